using System.Net;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Tests.Dht.Node;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Dht.Nat;

/// <summary>
/// The nodes that accepted our announce are our punch relays: while we are (or may be) behind a NAT,
/// they are pinged every <see cref="DhtOptions.KeepaliveInterval"/> so that our NAT keeps the mapping
/// through which they reach us; once others see one of our own addresses, the pings stop.
/// </summary>
public sealed class KeepaliveTests
{
    private static readonly PeerEndpoint OurPublicEndpoint = PeerEndpoint.Parse("203.0.113.9:5004");

    private static byte[] Encode(KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        return buffer.AsSpan(0, KrpcCodec.Write(message, buffer)).ToArray();
    }

    /// <summary>Plays every node the rig asks: get_peers answered with a token, announce_peer accepted, all with BEP 42 "ip".</summary>
    private static void AnswerEverything(DhtTestRig rig, Dictionary<PeerEndpoint, NodeId> ids, int from)
    {
        for (int i = from; i < rig.Sender.Sent.Count; i++)
        {
            var message = rig.Sender.Decode(i);
            var to = rig.Sender.Sent[i].To;
            if (message.Kind != KrpcMessageKind.Query || !ids.TryGetValue(to, out var id))
            {
                continue;
            }

            var response = message.Query!.Method == KrpcMethod.GetPeers
                ? new KrpcResponse { Id = id, Token = new byte[] { 1, 2, 3, 4 } }
                : new KrpcResponse { Id = id };
            rig.Node.Handle(Encode(KrpcMessage.ForResponse(message.TransactionId.ToArray(), response,
                requesterAddress: OurPublicEndpoint)), to);
        }
    }

    private static (DhtTestRig Rig, List<(NodeId Id, PeerEndpoint Endpoint)> Nodes) Announced(DhtOptions? options = null)
    {
        var rig = new DhtTestRig(seed: 31, options);
        var nodes = rig.Populate(3);
        var ids = nodes.ToDictionary(n => n.Endpoint, n => n.Id);
        int start = rig.Sender.Sent.Count;
        rig.Node.Announce(5004);
        AnswerEverything(rig, ids, start);
        return (rig, nodes);
    }

    private static List<string> Sorted(IEnumerable<PeerEndpoint> endpoints) => endpoints.Select(e => e.ToString()).Order().ToList();

    private static List<PeerEndpoint> PingsSince(DhtTestRig rig, int from) =>
        Enumerable.Range(from, rig.Sender.Sent.Count - from)
            .Where(i => rig.Sender.Decode(i) is { Kind: KrpcMessageKind.Query } m && m.Query!.Method == KrpcMethod.Ping)
            .Select(i => rig.Sender.Sent[i].To)
            .ToList();

    [Fact]
    public void The_nodes_that_accepted_our_announce_are_pinged_every_interval_while_a_nat_may_be_in_the_way()
    {
        var (rig, nodes) = Announced();
        Assert.Equal(Sorted(nodes.Select(n => n.Endpoint)), Sorted(rig.Node.KeepaliveTargets.Select(t => t.Endpoint)));
        Assert.Equal(NatMapping.EndpointIndependent, rig.Node.Nat); // three reporters agree on 203.0.113.9:5004
        rig.Node.Poll(); // the first keepalive round is due at once
        long first = rig.Node.KeepalivesSent;

        int mark = rig.Sender.Sent.Count;
        rig.Time.Advance(DhtOptions.DefaultKeepaliveInterval - TimeSpan.FromSeconds(1));
        rig.Node.Poll();
        Assert.Equal(first, rig.Node.KeepalivesSent);

        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.Node.Poll();
        Assert.Equal(first + 3, rig.Node.KeepalivesSent);
        Assert.Equal(Sorted(nodes.Select(n => n.Endpoint)), Sorted(PingsSince(rig, mark)));
    }

    [Fact]
    public void Keepalives_stop_once_others_see_one_of_our_own_addresses()
    {
        var (rig, _) = Announced();
        rig.Node.NatObserver.SetLocalAddresses([IPAddress.Parse("10.0.0.5")]);
        rig.Node.Poll();
        long before = rig.Node.KeepalivesSent;
        rig.Time.Advance(DhtOptions.DefaultKeepaliveInterval);
        rig.Node.Poll();
        Assert.Equal(before + 3, rig.Node.KeepalivesSent); // behind a NAT: 10.0.0.5 is seen as 203.0.113.9

        rig.Node.NatObserver.SetLocalAddresses([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("203.0.113.9")]);
        Assert.False(rig.Node.NatObserver.IsBehindNat);
        int mark = rig.Sender.Sent.Count;
        rig.Time.Advance(DhtOptions.DefaultKeepaliveInterval * 3);
        rig.Node.Poll();
        Assert.Equal(before + 3, rig.Node.KeepalivesSent);
        Assert.Empty(PingsSince(rig, mark));
    }

    [Fact]
    public void Keepalive_targets_are_bounded_and_follow_the_latest_announce()
    {
        var (rig, nodes) = Announced(new DhtOptions { MaxKeepaliveTargets = 2 });
        Assert.Equal(2, rig.Node.KeepaliveTargets.Count);
        Assert.All(rig.Node.KeepaliveTargets, t => Assert.Contains(nodes, n => n.Endpoint == t.Endpoint && n.Id == t.Id));
    }
}
