using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lookup;

/// <summary>What a lookup asks each node (BEP 5 "DHT Queries").</summary>
public enum LookupKind
{
    /// <summary>find_node: the k nodes closest to a node ID.</summary>
    FindNode,

    /// <summary>get_peers: the peers announced for an info-hash, and write tokens of the k closest.</summary>
    GetPeers,
}

/// <summary>A node that answered a lookup, with the write token it gave (get_peers only).</summary>
public readonly record struct LookupNode(NodeId Id, PeerEndpoint Endpoint, ReadOnlyMemory<byte> Token)
{
    public bool HasToken => !Token.IsEmpty;
}

/// <summary>
/// Cost and shape of one lookup. <see cref="Hops"/> is the depth of the path that found the closest
/// node: 0 when it was in our own table, 1 when a node from our table named it, and so on.
/// <see cref="RoundTrips"/> is Hops + 1: the sequential request/response exchanges on that path,
/// the last one being the closest node's own answer. <see cref="Rounds"/> is the deepest query the
/// lookup sent (depth + 1), i.e. how many sequential round trips the whole lookup took.
/// </summary>
public readonly record struct LookupStats(
    int QueriesSent,
    int Responses,
    int Timeouts,
    int Failures,
    int Hops,
    int RoundTrips,
    int Rounds,
    TimeSpan Elapsed);

/// <summary>The outcome of <see cref="DhtNode.Lookup"/>.</summary>
public sealed class DhtLookupResult
{
    internal DhtLookupResult(NodeId target, LookupKind kind, IReadOnlyList<PeerEndpoint> peers,
        IReadOnlyList<LookupNode> closest, LookupStats stats, bool refused, IReadOnlyList<LookupNode>? holders = null)
    {
        Holders = holders ?? Array.Empty<LookupNode>();
        Target = target;
        Kind = kind;
        Peers = peers;
        ClosestNodes = closest;
        Stats = stats;
        Refused = refused;
    }

    public NodeId Target { get; }

    public LookupKind Kind { get; }

    /// <summary>get_peers "values" from every node that answered, without duplicates.</summary>
    public IReadOnlyList<PeerEndpoint> Peers { get; }

    /// <summary>
    /// Nodes whose get_peers answer carried "values", i.e. that hold the target's announce, in the
    /// order they answered: the relays for a hole punch (DhtNode.Punch.cs). At most 8.
    /// </summary>
    public IReadOnlyList<LookupNode> Holders { get; }

    /// <summary>Up to k nodes that answered, closest to the target first.</summary>
    public IReadOnlyList<LookupNode> ClosestNodes { get; }

    public LookupStats Stats { get; }

    /// <summary>True when the lookup never ran: too many lookups were waiting already.</summary>
    public bool Refused { get; }

    /// <summary>True when the node whose ID is the target answered (the ID exists and is reachable).</summary>
    public bool FoundTarget => ClosestNodes.Count > 0 && ClosestNodes[0].Id == Target;

    /// <summary>
    /// Where the node with ID <see cref="Target"/> can be reached: the peers announced for the ID,
    /// then the endpoint of the node with exactly that ID if it answered (dial by ID).
    /// </summary>
    public IReadOnlyList<PeerEndpoint> Endpoints()
    {
        var list = new List<PeerEndpoint>(Peers.Count + 1);
        if (FoundTarget)
        {
            list.Add(ClosestNodes[0].Endpoint);
        }

        foreach (var peer in Peers)
        {
            if (!list.Contains(peer))
            {
                list.Add(peer);
            }
        }

        return list;
    }
}
