using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport.Dht;
using PicoTalk.TestSupport.Interop;
using PicoTalk.TestSupport.Facts;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 3 "Interop test": our DHT nodes (<see cref="LoopbackSwarm"/>, real UDP sockets at 127.1.0.x)
/// and nodes of the npm package bittorrent-dht (an independent BEP 5 implementation, on 127.0.0.1,
/// installed by the test into a temp dir) bootstrap from each other both ways, find each other's
/// announces with get_peers (BEP 5), accept each other's announce_peer tokens, and hold each other
/// in their routing tables.
/// </summary>
public sealed class DhtInteropTests(ITestOutputHelper output)
{
    /// <summary>A guard against a hang, not a timing assumption: everything here takes milliseconds on loopback.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static readonly NodeId NpmInfoHash = NodeId.Parse("da7a5e7da7a5e7da7a5e7da7a5e7da7a5e7da7a5");

    private const int NpmPeerPort = 4321;

    [NpmFact]
    public async Task Npm_bittorrent_dht_and_our_nodes_join_through_each_other_and_find_each_others_announces()
    {
        await using var npm = await NpmDht.LaunchAsync();
        using var ours = new LoopbackSwarm(4);
        try
        {
            // Three of ours make a network of their own.
            await Task.WhenAll(
                ours.BootstrapAsync(0, [ours.EndpointOf(1), ours.EndpointOf(2)], Guard),
                ours.BootstrapAsync(1, [ours.EndpointOf(0), ours.EndpointOf(2)], Guard),
                ours.BootstrapAsync(2, [ours.EndpointOf(0), ours.EndpointOf(1)], Guard));

            // npm joins through ours ('ready' = its bootstrap lookup ended)...
            var npmA = await npm.StartNodeAsync(new NpmDhtNodeOptions { Bootstrap = [ours.EndpointOf(0)] });
            var npmB = await npm.StartNodeAsync(new NpmDhtNodeOptions { Bootstrap = [ours.EndpointOf(1)] });

            // ...and our fourth node joins through npm alone.
            await ours.BootstrapAsync(3, [npmA.EndPoint], Guard);

            // Our node announces its own ID (DESIGN.md "DHT"); an npm lookup finds it.
            await ours.AnnounceAsync(3, Guard);
            var npmFound = await npmB.LookupAsync(ours.IdOf(3));

            // An npm node announces an info-hash; our get_peers lookup finds it.
            await npmA.AnnounceAsync(NpmInfoHash, NpmPeerPort);
            var oursFound = await ours.LookupAsync(2, NpmInfoHash, LookupKind.GetPeers);

            Assert.Contains(ours.EndpointOf(3), npmFound.Peers);
            Assert.Contains(PeerEndpoint.Parse($"127.0.0.1:{NpmPeerPort}"), oursFound.Peers);
            Assert.Contains(oursFound.ClosestNodes, n => n.Id == npmA.Id || n.Id == npmB.Id);

            // Each side accepted the other's announce_peer: our tokens by npm, npm's tokens by us.
            var announcer = await ours.InvokeAsync(3, n => (n.Statistics.AnnouncesSent, n.Statistics.ErrorsReceived));
            var npmAnnounces = (await npmA.StatsAsync()).Received.GetValueOrDefault("announce_peer")
                + (await npmB.StatsAsync()).Received.GetValueOrDefault("announce_peer");
            Assert.True(announcer.AnnouncesSent >= 2, $"our node sent {announcer.AnnouncesSent} announce_peer");
            Assert.True(npmAnnounces >= 1, "no npm node received our announce_peer");
            Assert.Equal(0, announcer.ErrorsReceived);
            var storedByUs = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                ours.InvokeAsync(i, n => n.PeerStore.GetPeers(NpmInfoHash, 8).Contains(PeerEndpoint.Parse($"127.0.0.1:{NpmPeerPort}")))));
            Assert.Contains(true, storedByUs);

            // Routing tables: npm holds the nodes of ours it joined through, at their endpoints...
            Assert.Contains(await npmA.NodesAsync(), e => e.Id == ours.IdOf(0) && e.EndPoint == ours.EndpointOf(0));
            Assert.Contains(await npmB.NodesAsync(), e => e.Id == ours.IdOf(1) && e.EndPoint == ours.EndpointOf(1));

            // ...and ours hold npm nodes: the one joined through, and those that queried us
            // (BEP 5: the table is updated from the traffic that flows).
            await ours.WhenAsync(3, n => Holds(n, npmA), Guard, "our node 3 holds the npm node it joined through");
            await ours.WhenAsync(0, n => Holds(n, npmA), Guard, "our node 0 holds the npm node that joined through it");
            await ours.WhenAsync(1, n => Holds(n, npmB), Guard, "our node 1 holds the npm node that joined through it");

            await Report(ours, npmA, npmB);
            Assert.Equal(0, ours.Drops[DropReason.Malformed]);
            Assert.Null(ours.LoopFault);
        }
        catch
        {
            output.WriteLine($"swarm seed {ours.Seed}; npm stderr:\n{npm.StandardErrorText}");
            throw;
        }
    }

    [NpmFact]
    public async Task In_a_network_of_both_every_lookup_crosses_implementations()
    {
        const int Each = 16, NpmAnnouncers = 8;
        await using var npm = await NpmDht.LaunchAsync();
        using var ours = new LoopbackSwarm(Each);
        try
        {
            await ours.JoinAsync(timeout: Guard);
            var npmNodes = new List<NpmDhtNode>();
            for (int i = 0; i < Each; i++)
            {
                npmNodes.Add(await npm.StartNodeAsync(new NpmDhtNodeOptions { Bootstrap = [ours.EndpointOf(i)] }));
            }

            // Ours announce again now that npm nodes are among the closest; npm nodes announce too.
            await Task.WhenAll(Enumerable.Range(0, Each).Select(i => ours.AnnounceAsync(i, Guard)));
            var hashes = Enumerable.Range(0, NpmAnnouncers).Select(_ => NodeId.Random()).ToArray();
            for (int i = 0; i < NpmAnnouncers; i++)
            {
                await npmNodes[i].AnnounceAsync(hashes[i], NpmPeerPort + i);
            }

            for (int i = 0; i < NpmAnnouncers; i++)
            {
                var found = await ours.LookupAsync((i + 3) % Each, hashes[i], LookupKind.GetPeers).WaitAsync(Guard);
                Assert.Contains(PeerEndpoint.Parse($"127.0.0.1:{NpmPeerPort + i}"), found.Peers);
            }

            for (int i = 0; i < Each; i++)
            {
                var found = await npmNodes[(i + 5) % Each].LookupAsync(ours.IdOf(i));
                Assert.Contains(ours.EndpointOf(i), found.Peers);
            }

            // Both kinds sit in both kinds' tables.
            var ourIds = Enumerable.Range(0, Each).Select(ours.IdOf).ToHashSet();
            var npmIds = npmNodes.Select(n => n.Id).ToHashSet();
            foreach (var node in npmNodes)
            {
                Assert.Contains(await node.NodesAsync(), e => ourIds.Contains(e.Id));
            }

            for (int i = 0; i < Each; i++)
            {
                await ours.WhenAsync(i, n => n.Table.Entries.Any(e => npmIds.Contains(e.Id)), Guard, $"our node {i} holds an npm node");
            }

            await Report(ours, [.. npmNodes.Take(2)]);
            Assert.Equal(0, ours.Drops[DropReason.Malformed]);

            // Neither side refused the other: no error replies (203 for a bad token or a malformed
            // query, 204 unknown method) either way, no reply we could not match to our query.
            var refusals = await Task.WhenAll(Enumerable.Range(0, Each).Select(i => ours.InvokeAsync(i,
                n => n.Statistics.ErrorsSent + n.Statistics.ErrorsReceived + n.Statistics.UnmatchedResponses + n.Statistics.WrongIdResponses)));
            Assert.All(refusals, r => Assert.Equal(0, r));
        }
        catch
        {
            output.WriteLine($"swarm seed {ours.Seed}; npm stderr:\n{npm.StandardErrorText}");
            throw;
        }
    }

    private static bool Holds(DhtNode node, NpmDhtNode npmNode) =>
        node.Table.TryGet(npmNode.Id, out var entry) && entry.Endpoint == npmNode.EndPoint;

    private async Task Report(LoopbackSwarm ours, params NpmDhtNode[] npmNodes)
    {
        for (int i = 0; i < ours.Count; i++)
        {
            var s = await ours.InvokeAsync(i, n => (n.Table.Count, Sent: n.Statistics.TotalQueriesSent,
                Received: n.Statistics.TotalQueriesReceived, n.Statistics.RateLimited, n.Statistics.Timeouts,
                n.Statistics.ErrorsSent, n.Statistics.ErrorsReceived, n.Statistics.UnmatchedResponses));
            output.WriteLine($"ours {i} {ours.IdOf(i)} at {ours.EndpointOf(i)}: table {s.Count}, queries sent {s.Sent}, " +
                             $"received {s.Received}, rate-limited {s.RateLimited}, timeouts {s.Timeouts}, errors sent " +
                             $"{s.ErrorsSent}, received {s.ErrorsReceived}, unmatched replies {s.UnmatchedResponses}");
        }

        foreach (var node in npmNodes)
        {
            var stats = await node.StatsAsync();
            output.WriteLine($"{node}: table {(await node.NodesAsync()).Count}, sent " +
                             string.Join(", ", stats.Sent.Select(p => $"{p.Key} {p.Value}")));
        }
    }
}
