using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.TestSupport.Dht;

/// <summary>Parameters of a <see cref="DhtSimulation"/>. Defaults: a clean network with 10-50 ms one-way latency.</summary>
public sealed record SimulationOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>One-way latency of each link lies in [MinLatency, MaxLatency], a seeded hash of the pair.</summary>
    public TimeSpan MinLatency { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Independent loss probability of each datagram.</summary>
    public double LossRate { get; init; }

    /// <summary>Fraction of nodes that answer find_node and get_peers with lies (<see cref="LieKind"/>, alternating).</summary>
    public double LiarFraction { get; init; }

    /// <summary>How often nodes with queries outstanding are polled (their timeouts fire no later than this after due).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often every node is polled (the DHT's own maintenance runs once a second by default).</summary>
    public TimeSpan FullPollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>A lookup that did not find its target, with what the network knew of the target then.</summary>
public sealed record FailedLookup(
    int Source,
    int Target,
    NodeId TargetId,
    LookupStats Stats,
    int ClosestReturned,
    int TargetDistanceRank,
    int HoldersOfTarget,
    int AnnouncedAt,
    int NearestLiveCount,
    int PeersReturned,
    int TargetTableSize,
    bool TargetBootstrapped)
{
    public override string ToString() =>
        $"source {Source} target {Target} ({TargetId.ToString()[..10]}…): queries {Stats.QueriesSent}, responses {Stats.Responses}, " +
        $"timeouts {Stats.Timeouts}, failures {Stats.Failures}, closest returned {ClosestReturned}, " +
        $"rank of best returned among all live nodes {TargetDistanceRank}, target in tables of {HoldersOfTarget}/{NearestLiveCount} nearest live nodes, " +
        $"peer stored at {AnnouncedAt}/{NearestLiveCount}; peers returned {PeersReturned}, rounds {Stats.Rounds}; " +
        $"target's table {TargetTableSize}, bootstrapped {TargetBootstrapped}";
}

/// <summary>What a batch of simulated lookups measured.</summary>
public sealed record SimulationReport(
    int Nodes,
    int LiveNodes,
    int Lookups,
    int Succeeded,
    double MedianHops,
    double P90Hops,
    double MedianRoundTrips,
    double P90RoundTrips,
    double QueriesPerLookup,
    double MessagesPerLookup,
    TimeSpan MedianLookupTime,
    IReadOnlyList<FailedLookup> Failures)
{
    public double SuccessRate => Lookups == 0 ? 0 : (double)Succeeded / Lookups;

    public override string ToString() =>
        $"N={Nodes} live={LiveNodes} lookups={Lookups} succeeded={Succeeded} ({SuccessRate:P2}) hops median {MedianHops} p90 {P90Hops}, " +
        $"round trips median {MedianRoundTrips} p90 {P90RoundTrips}, queries/lookup {QueriesPerLookup:F1}, " +
        $"messages/lookup {MessagesPerLookup:F1}, median time {MedianLookupTime.TotalMilliseconds:F0} ms";
}
