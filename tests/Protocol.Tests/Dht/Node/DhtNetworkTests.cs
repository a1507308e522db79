using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport.Dht;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>Two to ten nodes on the simulated network under a fake clock.</summary>
public sealed class DhtNetworkTests
{
    private static DhtSimulation Joined(int n, int seed = 3, SimulationOptions? options = null)
    {
        var sim = new DhtSimulation(n, (options ?? new SimulationOptions()) with { Seed = seed });
        sim.Join(seeds: 1, wave: n, waveTime: TimeSpan.FromSeconds(5));
        return sim;
    }

    [Fact]
    public void Bootstrap_FillsEveryTable_AndFindNodeFindsEveryNode()
    {
        var sim = Joined(10);
        for (int i = 0; i < sim.Count; i++)
        {
            // Node 0 is the seed: it had nobody to bootstrap from and learned of the others from their queries.
            Assert.Equal(i > 0, sim[i].IsBootstrapped);
            Assert.Equal(sim.Count - 1, sim[i].Table.Count);
        }

        DhtLookupResult? result = null;
        sim[3].Lookup(sim[8].LocalId, LookupKind.FindNode, r => result = r);
        sim.RunUntil(() => result is not null, TimeSpan.FromSeconds(5));
        Assert.NotNull(result);
        Assert.True(result.FoundTarget);
        Assert.Equal(sim.EndpointOf(8), result.ClosestNodes[0].Endpoint);
        // The lookup ends once the closest LookupCompletion (BEP 5's K = 8) have answered; it does not ask the rest.
        Assert.Equal(Math.Min(sim.Count - 1, DhtOptions.DefaultLookupCompletion), result.ClosestNodes.Count);
        Assert.True(result.Stats.QueriesSent >= result.Stats.Responses);
    }

    [Fact]
    public void Announce_ThenGetPeers_FindsTheAnnouncer_AtItsSourcePort()
    {
        var sim = Joined(8);
        sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.True(sim[5].Statistics.AnnouncesSent > 0);

        DhtLookupResult? result = null;
        sim[2].Lookup(sim[5].LocalId, LookupKind.GetPeers, r => result = r);
        sim.RunUntil(() => result is not null, TimeSpan.FromSeconds(5));
        Assert.Contains(sim.EndpointOf(5), result!.Peers);
        Assert.All(result.ClosestNodes, n => Assert.True(n.HasToken));

        IReadOnlyList<PeerEndpoint>? endpoints = null;
        sim[7].FindEndpoints(sim[5].LocalId, e => endpoints = e);
        sim.RunUntil(() => endpoints is not null, TimeSpan.FromSeconds(5));
        Assert.Contains(sim.EndpointOf(5), endpoints!);
    }

    [Fact]
    public void QuietBuckets_AreRefreshedAfterFifteenMinutes()
    {
        var sim = Joined(6);
        long before = sim[0].Statistics.QueriesSent(KrpcMethod.FindNode);
        sim.RunFor(TimeSpan.FromMinutes(10));
        Assert.Equal(before, sim[0].Statistics.QueriesSent(KrpcMethod.FindNode));
        sim.RunFor(TimeSpan.FromMinutes(6));
        Assert.True(sim[0].Statistics.QueriesSent(KrpcMethod.FindNode) > before);
        // Re-announce every 15 minutes too.
        Assert.True(sim[0].Statistics.AnnouncesSent >= 2 * (sim.Count - 1));
    }

    [Fact]
    public void TablePersistence_RoundTrip_LetsARestartedNodeLookUpWithoutBootstrap()
    {
        var sim = Joined(8);
        byte[] file = sim[4].Table.Save();
        var time = sim.Time;
        var drops = new DropCounters();
        var restarted = new DhtNode(sim[4].LocalId, new ForwardingSender(), time, drops);
        int loaded = restarted.Table.Load(file, out var error);
        Assert.Equal(RoutingFileError.None, error);
        Assert.Equal(sim.Count - 1, loaded);
        foreach (var entry in sim[4].Table.Entries)
        {
            Assert.True(restarted.Table.TryGet(entry.Id, out var copy));
            Assert.Equal(entry.Endpoint, copy.Endpoint);
        }
    }

    [Fact]
    public void LossyLinks_CauseTimeouts_ButLookupsStillFindTheTarget()
    {
        var sim = Joined(10, seed: 9, options: new SimulationOptions
        {
            LossRate = 0.1,
            MinLatency = TimeSpan.FromMilliseconds(30),
            MaxLatency = TimeSpan.FromMilliseconds(30),
        });
        int found = 0;
        for (int i = 0; i < 10; i++)
        {
            DhtLookupResult? result = null;
            int target = (i + 1) % sim.Count;
            sim[i].Lookup(sim[target].LocalId, LookupKind.FindNode, r => result = r);
            sim.RunUntil(() => result is not null, TimeSpan.FromSeconds(30));
            if (result!.FoundTarget)
            {
                found++;
            }
        }

        long timeouts = Enumerable.Range(0, sim.Count).Sum(i => sim[i].Statistics.Timeouts);
        Assert.True(timeouts > 0);
        // The target itself must answer through two 10%-lossy hops; most lookups get there.
        Assert.True(found >= 7, $"found {found} of 10");
    }

    [Fact]
    public void AResponse_FromAnotherEndpoint_OrWithAnUnknownTransaction_IsDropped()
    {
        var rig = new DhtTestRig();
        var peer = DhtTestRig.V4(50);
        var peerId = rig.RandomId();
        rig.Node.AddCandidate(peer, peerId);
        var ping = rig.Sender.Last();
        Assert.Equal(KrpcMethod.Ping, ping.Query!.Method);
        Assert.Equal(2, ping.TransactionId.Length);

        var reply = Encode(KrpcMessage.ForResponse(ping.TransactionId.ToArray(), new KrpcResponse { Id = peerId }));
        rig.Node.Handle(reply, DhtTestRig.V4(51));
        Assert.Equal(1, rig.Node.Statistics.UnmatchedResponses);
        Assert.False(rig.Node.Table.TryGet(peerId, out _));

        var wrongTid = Encode(KrpcMessage.ForResponse("zz"u8.ToArray(), new KrpcResponse { Id = peerId }));
        rig.Node.Handle(wrongTid, peer);
        Assert.Equal(2, rig.Node.Statistics.UnmatchedResponses);

        rig.Node.Handle(reply, peer);
        Assert.True(rig.Node.Table.TryGet(peerId, out var entry));
        Assert.True(entry.IsVerified);
        // The transaction is used up: the same reply again is unmatched.
        rig.Node.Handle(reply, peer);
        Assert.Equal(3, rig.Node.Statistics.UnmatchedResponses);
    }

    [Fact]
    public void AReplyWithAnotherId_ThanTheOneQueried_IsDroppedAndNotAdded()
    {
        var rig = new DhtTestRig();
        var peer = DhtTestRig.V4(50);
        rig.Node.AddCandidate(peer, rig.RandomId());
        var ping = rig.Sender.Last();
        var liar = rig.RandomId();
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(ping.TransactionId.ToArray(), new KrpcResponse { Id = liar })), peer);
        Assert.Equal(1, rig.Node.Statistics.WrongIdResponses);
        Assert.False(rig.Node.Table.TryGet(liar, out _));
    }

    [Fact]
    public void UnansweredQueries_TimeOut_AndFeedTheTable()
    {
        var rig = new DhtTestRig();
        var known = rig.Populate(1);
        rig.Node.Poll(); // the table asks to verify the newcomer: one ping
        Assert.Equal(KrpcMethod.Ping, rig.Sender.Last().Query!.Method);
        Assert.Equal(1, rig.Node.PendingQueries);
        rig.Time.Advance(TimeSpan.FromMilliseconds(999));
        rig.Node.Poll();
        Assert.Equal(0, rig.Node.Statistics.Timeouts);
        rig.Time.Advance(TimeSpan.FromMilliseconds(2));
        rig.Node.Poll();
        Assert.Equal(1, rig.Node.Statistics.Timeouts);
        Assert.Equal(0, rig.Node.PendingQueries);
        Assert.True(rig.Node.Table.TryGet(known[0].Id, out var entry));
        Assert.Equal(1, entry.ConsecutiveFailures);
    }

    [Fact]
    public void ALookupWithAnEmptyTable_EndsAtOnce_AndTheQueueIsBounded()
    {
        var rig = new DhtTestRig(options: new DhtOptions { MaxConcurrentLookups = 1, MaxQueuedLookups = 1 });
        DhtLookupResult? empty = null;
        rig.Node.Lookup(rig.RandomId(), LookupKind.FindNode, r => empty = r);
        Assert.NotNull(empty);
        Assert.Empty(empty.ClosestNodes);

        rig.Populate(3);
        var results = new List<DhtLookupResult>();
        for (int i = 0; i < 3; i++)
        {
            rig.Node.Lookup(rig.RandomId(), LookupKind.FindNode, results.Add);
        }

        Assert.Single(results);
        Assert.True(results[0].Refused);
        Assert.Equal(1, rig.Node.Statistics.LookupsRefused);
    }

    private static byte[] Encode(KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        return buffer.AsSpan(0, KrpcCodec.Write(message, buffer)).ToArray();
    }

    private sealed class ForwardingSender : IDatagramSender
    {
        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
        }
    }
}
