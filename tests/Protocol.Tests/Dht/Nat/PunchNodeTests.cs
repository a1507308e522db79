using System.Text;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Tests.Dht.Node;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Dht.Nat;

/// <summary>
/// DhtNode.Punch.cs, each role played against one node by hand: the relay forwards a caller's
/// pt_punch to the callee's stored endpoints and relays the answer (or the silence); the callee
/// pings the caller and reports its NAT; the caller hears the outcome.
/// </summary>
public sealed class PunchNodeTests
{
    private static readonly PeerEndpoint Caller = DhtTestRig.V4(1, 5004);
    private static readonly PeerEndpoint CalleeAtNat = DhtTestRig.V4(2, 40000);
    private static readonly PeerEndpoint Relay = DhtTestRig.V4(3);

    private static byte[] Encode(KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        return buffer.AsSpan(0, KrpcCodec.Write(message, buffer)).ToArray();
    }

    /// <summary>Delivers a query; returns every datagram the node sent in response (to anyone).</summary>
    private static List<(KrpcMessage Message, PeerEndpoint To)> Query(DhtTestRig rig, KrpcQuery query, PeerEndpoint from, string tid)
    {
        int before = rig.Sender.Sent.Count;
        rig.Node.Handle(Encode(KrpcMessage.ForQuery(Encoding.ASCII.GetBytes(tid), query)), from);
        return Enumerable.Range(before, rig.Sender.Sent.Count - before).Select(i => (rig.Sender.Decode(i), rig.Sender.Sent[i].To)).ToList();
    }

    /// <summary>Responses and errors the node sent since <paramref name="from"/> (its own queries, such as table pings, left out).</summary>
    private static List<(KrpcMessage Message, PeerEndpoint To)> Answers(DhtTestRig rig, int from) =>
        Enumerable.Range(from, rig.Sender.Sent.Count - from).Select(i => (rig.Sender.Decode(i), rig.Sender.Sent[i].To))
            .Where(s => s.Item1.Kind != KrpcMessageKind.Query).ToList();

    /// <summary>The callee announces itself to the rig's node (get_peers for a token, then announce_peer with implied_port).</summary>
    private static NodeId StoreAnnounce(DhtTestRig rig, PeerEndpoint at)
    {
        var callee = rig.RandomId();
        var token = rig.Ask(KrpcQuery.GetPeers(callee, callee), at, "g1")!.Value.Response!.Token!.Value.ToArray();
        var stored = rig.Ask(KrpcQuery.AnnouncePeer(callee, callee, 1, token, impliedPort: true), at, "a1")!.Value;
        Assert.Equal(KrpcMessageKind.Response, stored.Kind);
        return callee;
    }

    [Fact]
    public void A_relay_forwards_to_the_stored_endpoint_and_relays_the_callees_answer()
    {
        var rig = new DhtTestRig(seed: 21);
        var callee = StoreAnnounce(rig, CalleeAtNat);
        // Forwarded, naming the caller as the relay saw it; the caller waits.
        var (forward, to) = Assert.Single(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), Caller, "cc"));
        Assert.Equal(CalleeAtNat, to);
        Assert.Equal(KrpcMethod.Punch, forward.Query!.Method);
        Assert.Equal(callee, forward.Query.InfoHash);
        Assert.Equal(Caller, forward.Query.PunchAddress);
        Assert.Equal(1, rig.Node.PunchesRelayed);

        int before = rig.Sender.Sent.Count;
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(forward.TransactionId.ToArray(),
            new KrpcResponse { Id = callee, Nat = NatMapping.EndpointIndependent })), CalleeAtNat);
        Assert.Equal(before + 1, rig.Sender.Sent.Count);
        Assert.Equal(Caller, rig.Sender.Sent[^1].To);
        var relayed = rig.Sender.Last();
        Assert.Equal(KrpcMessageKind.Response, relayed.Kind);
        Assert.Equal("cc", Encoding.ASCII.GetString(relayed.TransactionId.Span));
        Assert.Equal(NatMapping.EndpointIndependent, relayed.Response!.Nat);
        Assert.Equal(rig.LocalId, relayed.Response.Id);
        Assert.Equal(Caller, relayed.RequesterAddress);
    }

    [Fact]
    public void A_relay_whose_callee_is_silent_says_so_before_the_callers_query_times_out()
    {
        var rig = new DhtTestRig(seed: 22);
        var callee = StoreAnnounce(rig, CalleeAtNat);
        var (forward, _) = Assert.Single(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), Caller, "cc"));
        int before = rig.Sender.Sent.Count;

        rig.Time.Advance(DhtOptions.DefaultPunchRelayTimeout - TimeSpan.FromMilliseconds(10));
        rig.Node.Poll();
        Assert.DoesNotContain(Answers(rig, before), s => s.To == Caller);

        rig.Time.Advance(TimeSpan.FromMilliseconds(10));
        rig.Node.Poll();
        var (error, _) = Assert.Single(Answers(rig, before), s => s.To == Caller);
        Assert.Equal(KrpcMessageKind.Error, error.Kind);
        Assert.Equal((int)KrpcErrorCode.Generic, error.Error!.Code);
        Assert.Equal("callee did not answer", error.Error.MessageText);

        // A late answer is not relayed as well.
        int after = rig.Sender.Sent.Count;
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(forward.TransactionId.ToArray(),
            new KrpcResponse { Id = callee, Nat = NatMapping.EndpointIndependent })), CalleeAtNat);
        rig.Time.Advance(TimeSpan.FromSeconds(2));
        rig.Node.Poll();
        Assert.DoesNotContain(Answers(rig, after), s => s.To == Caller);
    }

    [Fact]
    public void A_relay_that_holds_no_announce_for_the_id_refuses_at_once()
    {
        var rig = new DhtTestRig(seed: 23);
        var reply = rig.Ask(KrpcQuery.Punch(rig.RandomId(), rig.RandomId()), Caller, "cc")!.Value;
        Assert.Equal(KrpcMessageKind.Error, reply.Kind);
        Assert.Equal("no announce held for that info_hash", reply.Error!.MessageText);
        Assert.Equal(0, rig.Node.PunchesRelayed);
    }

    [Fact]
    public void A_callee_pings_the_caller_then_tells_the_relay_its_nat()
    {
        var rig = new DhtTestRig(seed: 24);
        var sent = Query(rig, KrpcQuery.Punch(rig.RandomId(), rig.LocalId, Caller), Relay, "rr");
        Assert.Equal(2, sent.Count);
        var (pingMessage, to) = sent[0];
        Assert.Equal(Caller, to);
        var (reply, replyTo) = sent[1];
        Assert.Equal(Relay, replyTo);
        Assert.Equal(KrpcMessageKind.Response, reply.Kind);
        Assert.Equal(NatMapping.Unknown, reply.Response!.Nat);
        Assert.Equal(KrpcMethod.Ping, pingMessage.Query!.Method);
        Assert.Equal(1, rig.Node.PunchesSent);
    }

    [Fact]
    public void A_callee_does_not_become_a_reflector()
    {
        var rig = new DhtTestRig(seed: 25);
        var target = DhtTestRig.V4(66, 53);
        int pings = 0;
        for (int i = 0; i < 10; i++)
        {
            pings += Query(rig, KrpcQuery.Punch(rig.RandomId(), rig.LocalId, target.WithPort((ushort)(53 + i))), DhtTestRig.V4(100 + i), "rr")
                .Count(s => s.To.SameAddress(target));
        }

        // The burst per target address (3), whatever the port and whoever relays.
        Assert.Equal(3, pings);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(Query(rig, KrpcQuery.Punch(rig.RandomId(), rig.LocalId, target), DhtTestRig.V4(120), "rr"), s => s.To == target);
    }

    [Fact]
    public void With_punching_off_a_node_neither_relays_nor_punches()
    {
        var rig = new DhtTestRig(seed: 26, new DhtOptions { EnableHolePunching = false });
        var callee = StoreAnnounce(rig, CalleeAtNat);
        var (relayReply, _) = Assert.Single(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), Caller, "cc"));
        var calleeReply = rig.Ask(KrpcQuery.Punch(rig.RandomId(), rig.LocalId, Caller), Relay, "rr")!.Value;
        Assert.Equal("hole punching is off here", relayReply.Error!.MessageText);
        Assert.Equal("hole punching is off here", calleeReply.Error!.MessageText);
        Assert.Equal(0, rig.Node.PunchesRelayed + rig.Node.PunchesSent);
    }

    [Fact]
    public void Pending_relays_are_bounded()
    {
        var rig = new DhtTestRig(seed: 27, new DhtOptions { MaxPendingPunchRelays = 2, PunchBurst = 100, PunchesPerSecond = 100 });
        var callee = StoreAnnounce(rig, CalleeAtNat);
        Assert.DoesNotContain(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), DhtTestRig.V4(40), "c1"), s => s.To == DhtTestRig.V4(40));
        Assert.DoesNotContain(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), DhtTestRig.V4(41), "c2"), s => s.To == DhtTestRig.V4(41));
        var (third, to) = Assert.Single(Query(rig, KrpcQuery.Punch(rig.RandomId(), callee), DhtTestRig.V4(42), "c3"));
        Assert.Equal(DhtTestRig.V4(42), to);
        Assert.Equal((int)KrpcErrorCode.Server, third.Error!.Code);
    }

    [Theory]
    [InlineData("response")]
    [InlineData("error")]
    [InlineData("silence")]
    public void A_caller_hears_what_became_of_its_request(string outcome)
    {
        var rig = new DhtTestRig(seed: 28);
        var relayId = rig.RandomId();
        var callee = rig.RandomId();
        PunchResult? result = null;
        rig.Node.RequestPunch(Relay, relayId, callee, r => result = r);
        var request = rig.Sender.Last();
        Assert.Equal(Relay, rig.Sender.Sent[^1].To);
        Assert.Equal(callee, request.Query!.InfoHash);
        Assert.Null(request.Query.PunchAddress);

        var tid = request.TransactionId.ToArray();
        switch (outcome)
        {
            case "response":
                rig.Node.Handle(Encode(KrpcMessage.ForResponse(tid, new KrpcResponse { Id = relayId, Nat = NatMapping.EndpointDependent })), Relay);
                Assert.Equal(new PunchResult(true, NatMapping.EndpointDependent, null), result);
                break;
            case "error":
                rig.Node.Handle(Encode(KrpcMessage.ForError(tid, KrpcError.Create(KrpcErrorCode.Generic, "callee did not answer"))), Relay);
                Assert.False(result!.Value.Answered);
                Assert.Equal("relay: callee did not answer (201)", result.Value.Error);
                break;
            default:
                rig.Time.Advance(DhtOptions.DefaultQueryTimeout);
                rig.Node.Poll();
                Assert.Equal(PunchResult.Failed("relay did not answer"), result);
                break;
        }
    }

    [Fact]
    public void The_caller_hears_where_the_callees_punch_ping_came_from()
    {
        var rig = new DhtTestRig(seed: 31);
        var relayId = rig.RandomId();
        var callee = rig.RandomId();
        var results = new List<PunchResult>();
        rig.Node.RequestPunch(Relay, relayId, callee, results.Add);
        var first = rig.Sender.Last().TransactionId.ToArray();
        rig.Node.RequestPunch(Relay, relayId, callee, results.Add);
        var second = rig.Sender.Last().TransactionId.ToArray();

        // A ping from another ID is not the callee's; the callee's, from its NAT's new port for us, is.
        var calleeNewPort = DhtTestRig.V4(2, 40001);
        Query(rig, KrpcQuery.Ping(rig.RandomId()), DhtTestRig.V4(9), "p0");
        Query(rig, KrpcQuery.Ping(callee), calleeNewPort, "p1");
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(first, new KrpcResponse { Id = relayId, Nat = NatMapping.EndpointDependent })), Relay);
        Assert.Equal(new PunchResult(true, NatMapping.EndpointDependent, null, calleeNewPort), Assert.Single(results));

        // Still watched while the second request is pending; forgotten once none is.
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(second, new KrpcResponse { Id = relayId, Nat = NatMapping.EndpointDependent })), Relay);
        Assert.Equal(calleeNewPort, results[1].CalleeSeenAt);
        rig.Node.RequestPunch(Relay, relayId, callee, results.Add);
        var third = rig.Sender.Last().TransactionId.ToArray();
        rig.Node.Handle(Encode(KrpcMessage.ForResponse(third, new KrpcResponse { Id = relayId, Nat = NatMapping.EndpointDependent })), Relay);
        Assert.Null(results[2].CalleeSeenAt);
    }
}
