using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>BEP 5 "Routing Table" node states.</summary>
public enum NodeStatus
{
    /// <summary>Responded to us within 15 minutes, or responded ever and queried us within 15 minutes.</summary>
    Good,

    /// <summary>Not good and not bad: quiet for 15 minutes, never verified, or just missed a query.</summary>
    Questionable,

    /// <summary>Failed <see cref="RoutingTableOptions.FailuresBeforeBad"/> queries in a row.</summary>
    Bad,
}

/// <summary>What kind of KRPC message a node sent us (the table learns from all traffic, paper §2.2).</summary>
public enum ObservationKind
{
    /// <summary>The node queried us. Proves nothing about whether we can reach it (BEP 5: NATed nodes query but do not answer).</summary>
    QueryReceived,

    /// <summary>The node answered one of our queries, matched by transaction ID: the only proof it is reachable.</summary>
    ResponseReceived,
}

/// <summary>What <see cref="RoutingTable.Observe"/> did with a message.</summary>
public enum ObserveResult
{
    /// <summary>The node was in the table; its times (and, on a response, its endpoint) were updated.</summary>
    Updated,

    /// <summary>The node entered a bucket.</summary>
    Added,

    /// <summary>The bucket was full of live nodes: the node went to the bucket's replacement cache.</summary>
    Cached,

    /// <summary>The ID is ours.</summary>
    RefusedOwnId,

    /// <summary>All-zero ID, or an endpoint with no address or port 0.</summary>
    RefusedInvalid,

    /// <summary>An unverified message tried to move a known ID to another endpoint, or to take over an endpoint held by another ID.</summary>
    RefusedEndpointConflict,

    /// <summary>The bucket already holds the per-address maximum for this IP address.</summary>
    RefusedAddressLimit,
}

/// <summary>The owner of the table should send a BEP 5 ping to this node, then report the outcome
/// through <see cref="RoutingTable.Observe"/> (response) or <see cref="RoutingTable.OnTimeout"/>.</summary>
public readonly record struct PingRequest(NodeId Id, PeerEndpoint Endpoint);

/// <summary>
/// A bucket that saw no change for the refresh interval, with a random ID in its range: the owner
/// runs a find_node lookup for <paramref name="Target"/> (BEP 5 "Routing Table", paper §2.3).
/// </summary>
public readonly record struct RefreshRequest(int BucketIndex, NodeId Prefix, int PrefixLength, NodeId Target);

/// <summary>One bucket as a status page shows it. Its range is every ID whose first
/// <paramref name="PrefixLength"/> bits equal those of <paramref name="Prefix"/>.</summary>
public readonly record struct BucketInfo(
    int Index, NodeId Prefix, int PrefixLength, int Count, int ReplacementCount, bool ContainsOwnId, long LastChanged);

/// <summary>Counts for status pages.</summary>
public readonly record struct RoutingStatistics(
    int Nodes,
    int Good,
    int Questionable,
    int Bad,
    int Buckets,
    int ReplacementCandidates,
    long OwnIdRefused,
    long InvalidRefused,
    long EndpointConflictsRefused,
    long AddressLimitRefused);
