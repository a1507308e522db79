using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>The server side of BEP 5: each query answered with the right keys, decoded with the KRPC codec.</summary>
public sealed class DhtServerTests
{
    private static readonly PeerEndpoint Client = DhtTestRig.V4(7, 4000);

    [Fact]
    public void Ping_IsAnsweredWithOurId_TheTransactionId_AndTheRequesterAddress()
    {
        var rig = new DhtTestRig();
        var reply = rig.Ask(KrpcQuery.Ping(rig.RandomId()), Client, "xy")!.Value;

        Assert.Equal(KrpcMessageKind.Response, reply.Kind);
        Assert.Equal("xy"u8.ToArray(), reply.TransactionId.ToArray());
        Assert.Equal(rig.LocalId, reply.Response!.Id);
        Assert.Equal(Client, reply.RequesterAddress); // BEP 42 "ip"
        Assert.Equal("PT"u8.ToArray(), reply.Version!.Value[..2].ToArray());
        Assert.False(reply.Response.Nodes.IsPresent);
        Assert.Equal(1, rig.Node.Statistics.QueriesReceived(KrpcMethod.Ping));
    }

    [Fact]
    public void ExactReplyBytes_ForAPing()
    {
        var rig = new DhtTestRig();
        rig.Ask(KrpcQuery.Ping(rig.RandomId()), Client, "aa");
        var id = rig.LocalId.ToArray();
        var expected = new List<byte>();
        expected.AddRange("d2:ip6:"u8.ToArray());
        expected.AddRange(new byte[] { 10, 0, 0, 7, 0x0F, 0xA0 });
        expected.AddRange("1:rd2:id20:"u8.ToArray());
        expected.AddRange(id);
        expected.AddRange("e1:t2:aa1:v4:PT"u8.ToArray());
        expected.AddRange(new byte[] { 0, 1 });
        expected.AddRange("1:y1:re"u8.ToArray());
        Assert.Equal(expected.ToArray(), rig.Sender.Sent[^1].Datagram);
    }

    [Fact]
    public void FindNode_ReturnsTheClosestKnownNodes_InDistanceOrder_UpToK()
    {
        var rig = new DhtTestRig();
        var known = rig.Populate(40);
        var target = rig.RandomId();

        var reply = rig.Ask(KrpcQuery.FindNode(rig.RandomId(), target), Client)!.Value;

        var nodes = reply.Response!.Nodes;
        Assert.True(nodes.IsPresent);
        Assert.False(reply.Response.Nodes6.IsPresent);
        int expectedCount = Math.Min(rig.Node.Options.K, rig.Node.Table.Count);
        Assert.Equal(expectedCount, nodes.Count);
        var expected = rig.Node.Table.FindClosest(target, expectedCount);
        for (int i = 0; i < nodes.Count; i++)
        {
            Assert.Equal(expected[i].Id, nodes[i].Id);
            Assert.Equal(expected[i].Endpoint, nodes[i].Endpoint);
            Assert.Contains(known, k => k.Id == nodes[i].Id);
        }
    }

    [Fact]
    public void FindNode_FromIPv6_OrWantingN6_GetsNodes6()
    {
        var rig = new DhtTestRig();
        rig.Populate(5);
        rig.Populate(5, i => DhtTestRig.V6(i + 50));

        var fromV6 = rig.Ask(KrpcQuery.FindNode(rig.RandomId(), rig.RandomId()), DhtTestRig.V6(9))!.Value.Response!;
        Assert.False(fromV6.Nodes.IsPresent);
        Assert.Equal(5, fromV6.Nodes6.Count);

        var both = rig.Ask(KrpcQuery.FindNode(rig.RandomId(), rig.RandomId(), KrpcWant.IPv4 | KrpcWant.IPv6), Client)!.Value.Response!;
        Assert.Equal(5, both.Nodes.Count);
        Assert.Equal(6, both.Nodes6.Count); // and now the IPv6 node that asked first
        foreach (var node in both.Nodes6)
        {
            Assert.False(node.Endpoint.IsIPv4);
        }
    }

    [Fact]
    public void GetPeers_GivesATokenAndNodes_ThenValuesOnceAPeerAnnounced()
    {
        var rig = new DhtTestRig();
        rig.Populate(10);
        var infoHash = rig.RandomId();
        var announcer = DhtTestRig.V4(20, 5004);

        var first = rig.Ask(KrpcQuery.GetPeers(rig.RandomId(), infoHash), announcer)!.Value.Response!;
        Assert.NotNull(first.Token);
        Assert.False(first.Values.IsPresent);
        Assert.Equal(10, first.Nodes.Count);

        var ok = rig.Ask(KrpcQuery.AnnouncePeer(rig.RandomId(), infoHash, 9999, first.Token!.Value.ToArray(), impliedPort: true), announcer)!.Value;
        Assert.Equal(KrpcMessageKind.Response, ok.Kind);
        Assert.Equal(rig.LocalId, ok.Response!.Id);

        var second = rig.Ask(KrpcQuery.GetPeers(rig.RandomId(), infoHash), Client)!.Value.Response!;
        Assert.Equal(1, second.Values.Count);
        Assert.Equal(announcer, second.Values[0]); // implied_port: the source port, not 9999
        Assert.True(second.Nodes.IsPresent);
    }

    [Fact]
    public void AnnouncePeer_HonoursPort_WhenNotImplied()
    {
        var rig = new DhtTestRig();
        var infoHash = rig.RandomId();
        var token = rig.Ask(KrpcQuery.GetPeers(rig.RandomId(), infoHash), Client)!.Value.Response!.Token!.Value.ToArray();
        rig.Ask(KrpcQuery.AnnouncePeer(rig.RandomId(), infoHash, 7777, token), Client);
        Assert.Equal(DhtTestRig.V4(7, 7777), rig.Node.PeerStore.GetPeers(infoHash, 10).Single());
    }

    [Fact]
    public void AnnouncePeer_WithABadToken_OrAnotherAddressesToken_Gets203()
    {
        var rig = new DhtTestRig();
        var infoHash = rig.RandomId();
        var otherToken = rig.Ask(KrpcQuery.GetPeers(rig.RandomId(), infoHash), DhtTestRig.V4(99))!.Value.Response!.Token!.Value.ToArray();

        foreach (var token in new[] { otherToken, "12345678"u8.ToArray() })
        {
            var reply = rig.Ask(KrpcQuery.AnnouncePeer(rig.RandomId(), infoHash, 5004, token), Client)!.Value;
            Assert.Equal(KrpcMessageKind.Error, reply.Kind);
            Assert.Equal((int)KrpcErrorCode.Protocol, reply.Error!.Code);
        }

        Assert.Equal(0, rig.Node.PeerStore.PeerCount);
    }

    [Fact]
    public void Tokens_ExpireAfterTwoRotations()
    {
        var rig = new DhtTestRig();
        var infoHash = rig.RandomId();
        var token = rig.Ask(KrpcQuery.GetPeers(rig.RandomId(), infoHash), Client)!.Value.Response!.Token!.Value.ToArray();
        rig.Time.Advance(TimeSpan.FromMinutes(11));
        var reply = rig.Ask(KrpcQuery.AnnouncePeer(rig.RandomId(), infoHash, 5004, token), Client)!.Value;
        Assert.Equal(KrpcMessageKind.Error, reply.Kind);
    }

    [Fact]
    public void UnknownMethod_Gets204()
    {
        var rig = new DhtTestRig();
        var args = BencodeValue.Dictionary(("id", BencodeValue.FromBytes(rig.RandomId().ToArray())));
        var reply = rig.Ask(KrpcQuery.Unknown("vote"u8.ToArray(), args), Client)!.Value;
        Assert.Equal(KrpcMessageKind.Error, reply.Kind);
        Assert.Equal((int)KrpcErrorCode.MethodUnknown, reply.Error!.Code);
        Assert.Equal("aa"u8.ToArray(), reply.TransactionId.ToArray());
    }

    [Fact]
    public void MalformedQuery_WithAReadableTransactionId_Gets203_AndIsCounted()
    {
        var rig = new DhtTestRig();
        // find_node whose target is 3 bytes long.
        var reply = rig.Deliver("d1:ad2:id20:abcdefghij01234567896:target3:abce1:q9:find_node1:t2:zz1:y1:qe"u8, Client)!.Value;
        Assert.Equal(KrpcMessageKind.Error, reply.Kind);
        Assert.Equal((int)KrpcErrorCode.Protocol, reply.Error!.Code);
        Assert.Equal("zz"u8.ToArray(), reply.TransactionId.ToArray());
        Assert.Equal(1, rig.Drops[DropReason.Malformed]);
    }

    [Fact]
    public void Garbage_IsDroppedAndCounted_WithoutReply()
    {
        var rig = new DhtTestRig();
        Assert.Null(rig.Deliver("d1:t2:aa1:y1:xe"u8, Client));
        Assert.Null(rig.Deliver("dxxxx"u8, Client));
        Assert.Null(rig.Deliver(new byte[KrpcCodec.MaxMessageSize + 1], Client));
        Assert.Equal(3, rig.Drops[DropReason.Malformed]);
    }

    [Fact]
    public void QueriesBeyondTheSourceBudget_AreDroppedAndCountedAsRateLimited()
    {
        var rig = new DhtTestRig();
        int answered = 0;
        for (int i = 0; i < 500; i++)
        {
            // Another port of the same host shares the budget: it is kept per IP address.
            if (rig.Ask(KrpcQuery.Ping(rig.RandomId()), DhtTestRig.V4(7, (ushort)(4000 + i % 3))) is not null)
            {
                answered++;
            }
        }

        Assert.Equal(DhtOptions.DefaultQueryBurstPerSource, answered);
        Assert.Equal(500 - answered, rig.Drops[DropReason.RateLimited]);
        Assert.Equal(500 - answered, rig.Node.Statistics.RateLimited);
        // Another host is still answered, and the flooder again after a while.
        Assert.NotNull(rig.Ask(KrpcQuery.Ping(rig.RandomId()), DhtTestRig.V4(8)));
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(rig.Ask(KrpcQuery.Ping(rig.RandomId()), Client));
    }

    [Fact]
    public void EveryQuery_UpdatesTheTable_ButAReadOnlyNodeStaysOut()
    {
        var rig = new DhtTestRig();
        var id = rig.RandomId();
        rig.Ask(KrpcQuery.Ping(id), Client);
        Assert.True(rig.Node.Table.TryGet(id, out _));

        var bytes = new byte[256];
        var readOnlyId = rig.RandomId();
        int n = KrpcCodec.Write(KrpcMessage.ForQuery("ro"u8.ToArray(), KrpcQuery.Ping(readOnlyId), isReadOnly: true), bytes);
        Assert.NotNull(rig.Deliver(bytes.AsSpan(0, n), DhtTestRig.V4(30)));
        Assert.False(rig.Node.Table.TryGet(readOnlyId, out _));
    }

    [Fact]
    public void RandomAndMutatedDatagrams_NeverThrow()
    {
        var rig = new DhtTestRig(options: new DhtOptions { QueriesPerSecondPerSource = 1e9, QueryBurstPerSource = 1_000_000 });
        rig.Populate(30);
        var samples = new List<byte[]>();
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        samples.Add(buffer.AsSpan(0, KrpcCodec.Write(KrpcMessage.ForQuery("ab"u8.ToArray(), KrpcQuery.FindNode(rig.RandomId(), rig.RandomId())), buffer)).ToArray());
        samples.Add(buffer.AsSpan(0, KrpcCodec.Write(KrpcMessage.ForQuery("ab"u8.ToArray(), KrpcQuery.GetPeers(rig.RandomId(), rig.RandomId())), buffer)).ToArray());
        samples.Add(buffer.AsSpan(0, KrpcCodec.Write(KrpcMessage.ForQuery("ab"u8.ToArray(), KrpcQuery.AnnouncePeer(rig.RandomId(), rig.RandomId(), 1, "tok"u8.ToArray())), buffer)).ToArray());
        samples.Add(rig.Sender.Sent[^1].Datagram); // a ping reply: a response nobody asked for
        for (int i = 0; i < 20_000; i++)
        {
            var sample = (byte[])samples[i % samples.Count].Clone();
            int flips = 1 + rig.Random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                sample[rig.Random.Next(sample.Length)] = (byte)rig.Random.Next(256);
            }

            var datagram = i % 7 == 0 ? sample.AsSpan(0, rig.Random.Next(sample.Length)) : sample;
            rig.Node.Handle(datagram, DhtTestRig.V4(1 + rig.Random.Next(50)));
        }

        Assert.True(rig.Drops[DropReason.Malformed] > 0);
    }
}
