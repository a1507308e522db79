using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Dht.Storage;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// Parameters of a <see cref="DhtNode"/>. Values from the specifications first (BEP 5, the
/// Kademlia paper as DESIGN.md "DHT" adopts it), then our own choices, each with its reason.
/// </summary>
public sealed record DhtOptions
{
    // ---- From the specifications ----

    /// <summary>Paper §2.3 and DESIGN.md "DHT": three requests of a lookup in flight at once.</summary>
    public const int DefaultAlpha = 3;

    /// <summary>BEP 5 "Routing Table": refresh and re-announce on a 15-minute rhythm.</summary>
    public static readonly TimeSpan DefaultAnnounceInterval = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A lookup is complete when this many of the closest responsive nodes have answered, and an
    /// announce goes to the closest this many that gave a token. BEP 5's K is eight ("each bucket
    /// can only hold K nodes, currently eight"), and it announces to "the responding nodes with IDs
    /// closest to the infohash"; libtorrent 2.0 ends a traversal once its 8 closest have responded
    /// and announces to those 8. Buckets keep the paper's k = 20 (<see cref="K"/>): the wider table
    /// makes the first hops land close, the narrower completion set makes a lookup cheap (libtorrent
    /// about 19 queries at N = 1,000; ours 22 while it ran until the 20 closest had answered).
    /// </summary>
    public const int DefaultLookupCompletion = 8;

    /// <summary>BEP 32 "Maximum packet size": responses should stay within 1024 bytes.</summary>
    public const int MaxResponseSize = 1024;

    // ---- Our choices ----

    /// <summary>
    /// A query unanswered after one second is lost: a round trip across the Internet is under
    /// 300 ms, and libtorrent's short timeout of about one second keeps lookups moving.
    /// </summary>
    public static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Outstanding queries at most (the transaction table; 2-byte IDs allow 65536).</summary>
    public const int DefaultMaxTransactions = 1024;

    /// <summary>Lookups running at once; more wait in a queue of <see cref="DefaultMaxQueuedLookups"/>.</summary>
    public const int DefaultMaxConcurrentLookups = 16;

    public const int DefaultMaxQueuedLookups = 64;

    /// <summary>Queries one lookup may send: enough for a third of liars or dead nodes, and a bound on the work a liar can cause.</summary>
    public const int DefaultMaxQueriesPerLookup = 160;

    /// <summary>Queries per second one source IP address may make of us, and its burst.</summary>
    public const double DefaultQueriesPerSecondPerSource = 20;

    public const int DefaultQueryBurstPerSource = 60;

    /// <summary>Source addresses tracked by the query rate limiter (bounds its memory).</summary>
    public const int DefaultMaxRateLimitSources = 8192;

    /// <summary>How often <see cref="DhtNode.Poll"/> runs table maintenance (pings, refresh, announce).</summary>
    public static readonly TimeSpan DefaultMaintenanceInterval = TimeSpan.FromSeconds(1);

    /// <summary>With no node left in the table, the bootstrap nodes are asked again this often.</summary>
    public static readonly TimeSpan DefaultRebootstrapInterval = TimeSpan.FromMinutes(1);

    /// <summary>An announce that found no node to announce to is retried this soon.</summary>
    public static readonly TimeSpan DefaultAnnounceRetry = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Keepalive pings to the nodes that hold our announce, while we are (or may be) behind a NAT:
    /// 25 s, under the 30 s after which many consumer NATs drop an idle UDP mapping (RFC 4787 REQ-5
    /// asks for 2 minutes, which NATs in the field often do not give). Without the mapping, a relay
    /// could not reach us to punch a hole (DhtNode.Punch.cs).
    /// </summary>
    public static readonly TimeSpan DefaultKeepaliveInterval = TimeSpan.FromSeconds(25);

    /// <summary>Nodes kept alive: those that accepted our last announce, at most this many.</summary>
    public const int DefaultMaxKeepaliveTargets = 8;

    /// <summary>
    /// A relay answers the caller with "callee did not answer" after this long: well inside the
    /// caller's own <see cref="DefaultQueryTimeout"/>, so the caller hears why instead of timing out
    /// (capped at 60 % of <see cref="QueryTimeout"/> when that is set shorter).
    /// </summary>
    public static readonly TimeSpan DefaultPunchRelayTimeout = TimeSpan.FromMilliseconds(600);

    public int Alpha { get; init; } = DefaultAlpha;

    public TimeSpan QueryTimeout { get; init; } = DefaultQueryTimeout;

    public int MaxTransactions { get; init; } = DefaultMaxTransactions;

    public int MaxConcurrentLookups { get; init; } = DefaultMaxConcurrentLookups;

    public int MaxQueuedLookups { get; init; } = DefaultMaxQueuedLookups;

    public int MaxQueriesPerLookup { get; init; } = DefaultMaxQueriesPerLookup;

    /// <summary>
    /// Closest responsive nodes that must have answered before a lookup ends, and announce targets
    /// (<see cref="DefaultLookupCompletion"/>); at most <see cref="K"/>. Dial-by-ID lookups
    /// (<see cref="DhtNode.LookupEndpoints"/>) stop at the first values, else run to k.
    /// </summary>
    public int LookupCompletion { get; init; } = DefaultLookupCompletion;

    public double QueriesPerSecondPerSource { get; init; } = DefaultQueriesPerSecondPerSource;

    public int QueryBurstPerSource { get; init; } = DefaultQueryBurstPerSource;

    public int MaxRateLimitSources { get; init; } = DefaultMaxRateLimitSources;

    public TimeSpan AnnounceInterval { get; init; } = DefaultAnnounceInterval;

    public TimeSpan AnnounceRetry { get; init; } = DefaultAnnounceRetry;

    public TimeSpan MaintenanceInterval { get; init; } = DefaultMaintenanceInterval;

    public TimeSpan RebootstrapInterval { get; init; } = DefaultRebootstrapInterval;

    public TimeSpan KeepaliveInterval { get; init; } = DefaultKeepaliveInterval;

    public int MaxKeepaliveTargets { get; init; } = DefaultMaxKeepaliveTargets;

    /// <summary>
    /// Relayed hole punching (DhtNode.Punch.cs): relay pt_punch for announces we hold, and send
    /// first when asked to punch toward a caller. Off, this node neither relays nor punches.
    /// </summary>
    public bool EnableHolePunching { get; init; } = true;

    public TimeSpan PunchRelayTimeout { get; init; } = DefaultPunchRelayTimeout;

    /// <summary>Relays waiting for a callee at once (the rest are refused with 202).</summary>
    public int MaxPendingPunchRelays { get; init; } = 32;

    /// <summary>
    /// pt_punch requests this node acts on per second, all sources together, and its burst: a relay
    /// sends up to two datagrams and a callee one ping per request, so this caps what strangers can
    /// make us send (we must not become a reflector). Per-target limits are in DhtNode.Punch.cs.
    /// </summary>
    public double PunchesPerSecond { get; init; } = 10;

    public int PunchBurst { get; init; } = 20;

    /// <summary>k of the table (and of lookups and responses): the paper's 20 by default.</summary>
    public RoutingTableOptions Routing { get; init; } = new();

    public PeerStoreLimits PeerStore { get; init; } = new();

    /// <summary>
    /// Source of the node's non-secret randomness (first transaction ID, bucket-refresh targets);
    /// null means <see cref="System.Random.Shared"/>. A simulation passes a seeded one so that a
    /// run is reproducible; a node owns it on its event loop (Random is not thread-safe). Token
    /// secrets always come from the cryptographic generator.
    /// </summary>
    public Random? Random { get; init; }

    /// <summary>k: bucket size, lookup result size, and nodes per find_node response.</summary>
    public int K => Routing.BucketSize;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(QueryTimeout, TimeSpan.Zero, nameof(QueryTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTransactions, 1, nameof(MaxTransactions));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTransactions, ushort.MaxValue + 1, nameof(MaxTransactions));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentLookups, 1, nameof(MaxConcurrentLookups));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueuedLookups, nameof(MaxQueuedLookups));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueriesPerLookup, 1, nameof(MaxQueriesPerLookup));
        ArgumentOutOfRangeException.ThrowIfLessThan(LookupCompletion, 1, nameof(LookupCompletion));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(QueriesPerSecondPerSource, 0, nameof(QueriesPerSecondPerSource));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueryBurstPerSource, 1, nameof(QueryBurstPerSource));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRateLimitSources, 1, nameof(MaxRateLimitSources));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AnnounceInterval, TimeSpan.Zero, nameof(AnnounceInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AnnounceRetry, TimeSpan.Zero, nameof(AnnounceRetry));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaintenanceInterval, TimeSpan.Zero, nameof(MaintenanceInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RebootstrapInterval, TimeSpan.Zero, nameof(RebootstrapInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(KeepaliveInterval, TimeSpan.Zero, nameof(KeepaliveInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxKeepaliveTargets, nameof(MaxKeepaliveTargets));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PunchRelayTimeout, TimeSpan.Zero, nameof(PunchRelayTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingPunchRelays, 1, nameof(MaxPendingPunchRelays));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PunchesPerSecond, 0, nameof(PunchesPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(PunchBurst, 1, nameof(PunchBurst));
        ArgumentNullException.ThrowIfNull(Routing);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LookupCompletion, K, nameof(LookupCompletion));
        ArgumentNullException.ThrowIfNull(PeerStore);
    }
}
