using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Dht;

/// <summary>How a lying node of a simulation answers find_node and get_peers.</summary>
public enum LieKind
{
    /// <summary>Its own ID, and k nodes with random IDs: half at real nodes' endpoints (which hold other IDs), half at addresses nobody has.</summary>
    GarbageNodes,

    /// <summary>A random ID that is not its own (so the asker's expected-ID check fails), with garbage nodes as above.</summary>
    WrongId,
}

/// <summary>
/// Issue 3 "lookups keep going when a third of the nodes they meet lie": sits in front of a real
/// node's receiver and answers every find_node and get_peers query with lies; pings, announces and
/// replies to the node's own queries pass through, so the liar stays in others' tables (it answers
/// pings) and runs its own lookups like anyone.
/// </summary>
internal sealed class LyingNode : IDatagramHandler
{
    private static readonly byte[] Version = [(byte)'L', (byte)'I', 0, 1];
    private static readonly byte[] Token = [1, 2, 3, 4, 5, 6, 7, 8];

    private readonly IDatagramHandler _inner;
    private readonly SimulatedNetwork _network;
    private readonly int _index;
    private readonly NodeId _id;
    private readonly LieKind _kind;
    private readonly Random _random;
    private readonly int _k;
    private readonly byte[] _receive = new byte[SimulatedNetwork.MaxDatagramSize];
    private readonly byte[] _send = new byte[SimulatedNetwork.MaxDatagramSize];
    private readonly byte[] _idBytes = new byte[NodeId.Size];

    public LyingNode(IDatagramHandler inner, SimulatedNetwork network, int index, NodeId id, LieKind kind, Random random,
        int k)
    {
        _inner = inner;
        _network = network;
        _index = index;
        _id = id;
        _kind = kind;
        _random = random;
        _k = k;
    }

    public long LiesTold { get; private set; }

    /// <summary>While false the node is honest (e.g. while the network forms); true by default.</summary>
    public bool Lying { get; set; } = true;

    public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        datagram.CopyTo(_receive);
        if (!Lying || !KrpcCodec.TryRead(new ReadOnlyMemory<byte>(_receive, 0, datagram.Length), out var message, out _)
            || message.Kind != KrpcMessageKind.Query
            || message.Query!.Method is not (KrpcMethod.FindNode or KrpcMethod.GetPeers))
        {
            _inner.Handle(datagram, from);
            return;
        }

        var nodes = new CompactNode[_k];
        for (int i = 0; i < nodes.Length; i++)
        {
            var endpoint = i % 2 == 0
                ? _network.EndpointOf(_random.Next(_network.Count))
                : new PeerEndpoint(0, 0x0000_FFFF_0000_0000UL | 0x0AFF_0000UL | (uint)_random.Next(1, 0xFFFF), 6881);
            nodes[i] = new CompactNode(RandomId(), endpoint);
        }

        var response = new KrpcResponse
        {
            Id = _kind == LieKind.WrongId ? RandomId() : _id,
            Nodes = CompactNodeList.FromNodes(nodes, isIPv6: false),
            Token = message.Query.Method == KrpcMethod.GetPeers ? Token : null,
        };
        var reply = KrpcMessage.ForResponse(message.TransactionId, response, Version, from);
        if (KrpcCodec.TryWrite(reply, _send, out int length))
        {
            LiesTold++;
            _network.Send(_index, _send.AsSpan(0, length), from);
        }
    }

    private NodeId RandomId()
    {
        _random.NextBytes(_idBytes);
        return NodeId.Read(_idBytes);
    }
}
