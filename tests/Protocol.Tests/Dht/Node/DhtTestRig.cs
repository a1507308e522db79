using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>Keeps every datagram a node sends, for tests that play the other side by hand.</summary>
internal sealed class RecordingSender : IDatagramSender
{
    public List<(byte[] Datagram, PeerEndpoint To)> Sent { get; } = new();

    public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to) => Sent.Add((datagram.ToArray(), to));

    public KrpcMessage Decode(int index)
    {
        Assert.True(KrpcCodec.TryRead(Sent[index].Datagram, out var message, out var error), error.ToString());
        return message;
    }

    public KrpcMessage Last() => Decode(Sent.Count - 1);
}

/// <summary>One node with a recording sender and a fake clock, and helpers to query it.</summary>
internal sealed class DhtTestRig
{
    public DhtTestRig(int seed = 1, DhtOptions? options = null)
    {
        Time = new FakeTimeProvider(seed);
        Random = new Random(seed);
        LocalId = RandomId();
        Node = new DhtNode(LocalId, Sender, Time, Drops, options);
    }

    public FakeTimeProvider Time { get; }

    public Random Random { get; }

    public NodeId LocalId { get; }

    public RecordingSender Sender { get; } = new();

    public DropCounters Drops { get; } = new();

    public DhtNode Node { get; }

    public NodeId RandomId()
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        Random.NextBytes(bytes);
        return NodeId.Read(bytes);
    }

    public static PeerEndpoint V4(int index, ushort port = 6881) =>
        new(0, 0x0000_FFFF_0000_0000UL | 0x0A00_0000UL | (uint)index, port);

    public static PeerEndpoint V6(int index, ushort port = 6881) => new(0x2001_0db8_0000_0000UL, (ulong)index, port);

    /// <summary>Sends <paramref name="query"/> from <paramref name="from"/> and returns the reply (null when there was none).</summary>
    public KrpcMessage? Ask(KrpcQuery query, PeerEndpoint from, string transactionId = "aa")
    {
        var bytes = new byte[KrpcCodec.MaxMessageSize];
        int length = KrpcCodec.Write(KrpcMessage.ForQuery(System.Text.Encoding.ASCII.GetBytes(transactionId), query), bytes);
        return Deliver(bytes.AsSpan(0, length), from);
    }

    public KrpcMessage? Deliver(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        int before = Sender.Sent.Count;
        Node.Handle(datagram, from);
        if (Sender.Sent.Count == before)
        {
            return null;
        }

        Assert.Equal(before + 1, Sender.Sent.Count);
        Assert.Equal(from, Sender.Sent[^1].To);
        return Sender.Last();
    }

    /// <summary>Makes <paramref name="count"/> nodes known (and verified) by answering the node's pings for them.</summary>
    public List<(NodeId Id, PeerEndpoint Endpoint)> Populate(int count, Func<int, PeerEndpoint>? endpoint = null)
    {
        var known = new List<(NodeId, PeerEndpoint)>();
        for (int i = 0; i < count; i++)
        {
            var id = RandomId();
            var ep = (endpoint ?? (n => V4(n + 100)))(i);
            Ask(KrpcQuery.Ping(id), ep, "pp");
            known.Add((id, ep));
        }

        return known;
    }
}
