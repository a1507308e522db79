using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>
/// The steady-state receive path stays cheap ("hot paths do not allocate"): after a warm-up,
/// answering pings and find_node queries, and taking in the responses to our own pings, allocates
/// no more than the message object or two per datagram (no bencode tree, no node-list array). The
/// 100,000-node simulation of issue 3 runs on this path, so a regression here fails here first.
/// </summary>
public sealed class DhtAllocationTests
{
    /// <summary>
    /// Bytes per datagram handled. Measured: about 420, the KrpcQuery/KrpcResponse objects of the
    /// datagram and of its reply. A bencode tree adds about 600 per datagram and a node-list
    /// array 520 per find_node answer, so either regression fails this bound.
    /// </summary>
    private const int MaxBytesPerDatagram = 600;

    private const int Sources = 200;
    private const int Rounds = 50;

    [Fact]
    public void Handle_AllocatesAtMostTheMessageObjects_ForPingsFindNodesAndResponses()
    {
        var time = new FakeTimeProvider(7);
        var random = new Random(7);
        var sender = new LastDatagramSender();
        var node = new DhtNode(RandomId(random), sender, time, new DropCounters(), new DhtOptions { Random = new Random(8) });
        var ids = new NodeId[Sources];
        var endpoints = new PeerEndpoint[Sources];
        for (int i = 0; i < Sources; i++)
        {
            ids[i] = RandomId(random);
            endpoints[i] = new PeerEndpoint(0, 0x0000_FFFF_0000_0000UL | 0x0A01_0000UL | (uint)(i + 1), 6881);
            node.Table.Observe(ids[i], endpoints[i], ObservationKind.ResponseReceived);
        }

        Assert.True(node.Table.Count > 60, $"table {node.Table.Count}");
        var pings = new byte[Sources][];
        var findNodes = new byte[Sources][];
        for (int i = 0; i < Sources; i++)
        {
            pings[i] = Encode(KrpcMessage.ForQuery("pq"u8.ToArray(), KrpcQuery.Ping(ids[i])));
            findNodes[i] = Encode(KrpcMessage.ForQuery("fq"u8.ToArray(), KrpcQuery.FindNode(ids[i], RandomId(random))));
        }

        var response = new byte[KrpcCodec.MaxMessageSize];
        long handled = 0;
        void Round()
        {
            for (int i = 0; i < Sources; i++)
            {
                node.Handle(pings[i], endpoints[i]);
                node.Handle(findNodes[i], endpoints[i]);
                // Our own ping to a table entry, and its answer with the transaction ID we chose.
                node.AddCandidate(endpoints[i], ids[i]);
                int n = WriteResponse(ids[i], sender.TransactionId, response);
                node.Handle(response.AsSpan(0, n), endpoints[i]);
                handled += 3;
            }

            // Within every source's query budget (BEP 5 rate limit per address), and no timeouts.
            time.Advance(TimeSpan.FromSeconds(1));
            node.Poll();
        }

        for (int r = 0; r < 5; r++)
        {
            Round();
        }

        long responsesBefore = node.Statistics.ResponsesReceived;
        long sentBefore = node.Statistics.ResponsesSent;
        handled = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < Rounds; r++)
        {
            Round();
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        // Every datagram was really handled: answered, or matched to our ping.
        Assert.Equal(2L * Sources * Rounds, node.Statistics.ResponsesSent - sentBefore);
        Assert.Equal((long)Sources * Rounds, node.Statistics.ResponsesReceived - responsesBefore);
        Assert.True(bytes / handled <= MaxBytesPerDatagram, $"{bytes / handled} bytes per datagram");
    }

    private static NodeId RandomId(Random random)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        random.NextBytes(bytes);
        return NodeId.Read(bytes);
    }

    private static byte[] Encode(in KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        int n = KrpcCodec.Write(message, buffer);
        return buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>"d1:rd2:id20:&lt;id&gt;e1:t2:&lt;tid&gt;1:y1:re" written without allocating.</summary>
    private static int WriteResponse(NodeId id, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        int n = 0;
        "d1:rd2:id20:"u8.CopyTo(destination);
        n += 12;
        id.WriteTo(destination.Slice(n, NodeId.Size));
        n += NodeId.Size;
        "e1:t2:"u8.CopyTo(destination[n..]);
        n += 6;
        transactionId.CopyTo(destination[n..]);
        n += 2;
        "1:y1:re"u8.CopyTo(destination[n..]);
        return n + 7;
    }

    /// <summary>Keeps only the transaction ID of the last query sent (our IDs are 2 bytes, "1:t2:xx").</summary>
    private sealed class LastDatagramSender : IDatagramSender
    {
        private readonly byte[] _transactionId = new byte[2];

        public ReadOnlySpan<byte> TransactionId => _transactionId;

        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
            int at = datagram.IndexOf("1:t2:"u8);
            if (at >= 0)
            {
                datagram.Slice(at + 5, 2).CopyTo(_transactionId);
            }
        }
    }
}
