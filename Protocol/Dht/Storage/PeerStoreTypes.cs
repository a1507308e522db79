namespace PicoTalk.Protocol.Dht.Storage;

/// <summary>What <see cref="PeerStore.Announce"/> did.</summary>
public enum AnnounceResult
{
    /// <summary>A new peer was stored for the info-hash.</summary>
    Stored,

    /// <summary>The peer was already stored; its expiry was pushed back.</summary>
    Refreshed,

    /// <summary>The source address exceeded its announces per minute (or the limiter table is full).</summary>
    RateLimited,

    /// <summary>Port 0 or an empty source.</summary>
    Invalid,
}

/// <summary>Which address family of peers a caller wants (BEP 32 keeps IPv4 and IPv6 values apart).</summary>
public enum PeerFamily
{
    Any,
    IPv4,
    IPv6,
}

/// <summary>Counts for status pages.</summary>
public readonly record struct PeerStoreStatistics(
    int InfoHashes,
    int Peers,
    int TrackedSources,
    long Stored,
    long Refreshed,
    long RateLimited,
    long Invalid,
    long EvictedInfoHashes,
    long EvictedPeers,
    long Expired);
