namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// Parameters of the routing table. The defaults are the Kademlia paper's and BEP 5's values where
/// those define one, and our own choices (marked) where they do not.
/// </summary>
public sealed record RoutingTableOptions
{
    // ---- From the specifications ----

    /// <summary>k, entries per bucket: the paper's k = 20 (DESIGN.md "DHT"; BEP 5 uses 8).</summary>
    public const int DefaultBucketSize = 20;

    /// <summary>BEP 5 "Routing Table": a node is good if it responded within the last 15 minutes.</summary>
    public static readonly TimeSpan DefaultGoodWindow = TimeSpan.FromMinutes(15);

    /// <summary>BEP 5: "Buckets that have not been changed in 15 minutes should be refreshed."</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(15);

    // ---- Our choices ----

    /// <summary>
    /// BEP 5 says a node is bad after failing "multiple queries in a row" and suggests one retry
    /// before discarding; three failures tolerate one lost ping and one lost retry on a lossy link.
    /// </summary>
    public const int DefaultFailuresBeforeBad = 3;

    /// <summary>Replacement cache per bucket: the 8 most recently seen newcomers (paper §4.1).</summary>
    public const int DefaultReplacementCacheSize = 8;

    /// <summary>
    /// At most two entries per IP address per bucket. One host can mint any number of IDs (a Sybil
    /// attack); without a per-address cap it could fill a bucket and so control what our lookups
    /// see. libtorrent's restrict_routing_ips (one per IP) is the model; two leaves room for two
    /// appliances behind one NAT address.
    /// </summary>
    public const int DefaultMaxNodesPerAddressPerBucket = 2;

    /// <summary>A ping asked for and neither answered nor reported as timed out is asked again after this.</summary>
    public static readonly TimeSpan DefaultPingPatience = TimeSpan.FromMinutes(1);

    public int BucketSize { get; init; } = DefaultBucketSize;

    public int ReplacementCacheSize { get; init; } = DefaultReplacementCacheSize;

    public int MaxNodesPerAddressPerBucket { get; init; } = DefaultMaxNodesPerAddressPerBucket;

    public int FailuresBeforeBad { get; init; } = DefaultFailuresBeforeBad;

    public TimeSpan GoodWindow { get; init; } = DefaultGoodWindow;

    public TimeSpan RefreshInterval { get; init; } = DefaultRefreshInterval;

    public TimeSpan PingPatience { get; init; } = DefaultPingPatience;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BucketSize, 1, nameof(BucketSize));
        ArgumentOutOfRangeException.ThrowIfNegative(ReplacementCacheSize, nameof(ReplacementCacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNodesPerAddressPerBucket, 1, nameof(MaxNodesPerAddressPerBucket));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailuresBeforeBad, 1, nameof(FailuresBeforeBad));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(GoodWindow, TimeSpan.Zero, nameof(GoodWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RefreshInterval, TimeSpan.Zero, nameof(RefreshInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PingPatience, TimeSpan.Zero, nameof(PingPatience));
    }
}
