namespace PicoTalk.Protocol.Dht.Storage;

/// <summary>
/// Bounds of the <see cref="PeerStore"/> (DESIGN.md "DHT": everything the DHT stores is bounded and
/// rate limited per source), and the datagram arithmetic behind how many values one get_peers
/// response may carry.
/// </summary>
/// <remarks>
/// <para>BEP 5 sends peers as "values", a list of compact peer infos: 6 bytes for IPv4 (bencoded
/// "6:" + 6 = 8 bytes each) and, per BEP 32, 18 bytes for IPv6 ("18:" + 18 = 21 bytes each).</para>
/// <para>The response must fit one UDP datagram that is never fragmented. The smallest datagram
/// every IPv4 host must accept is 576 bytes (RFC 791), minus 20 (IPv4 header) and 8 (UDP): 548
/// bytes of KRPC. The envelope around the values — <c>d1:rd2:id20:…5:token8:…6:valuesl…ee
/// 2:ip18:…1:t8:…1:v4:…1:y1:re</c> — is at most 114 bytes; we reserve 128. That leaves 420 bytes:
/// 52 IPv4 values or 20 IPv6 values.</para>
/// </remarks>
public sealed record PeerStoreLimits
{
    public const int BencodedIPv4ValueSize = 2 + 6;
    public const int BencodedIPv6ValueSize = 3 + 18;
    public const int DatagramBudget = 576 - 20 - 8;
    public const int ResponseEnvelopeReserve = 128;
    public const int ValuesBudget = DatagramBudget - ResponseEnvelopeReserve;

    /// <summary>52: IPv4 peers in one get_peers response.</summary>
    public const int MaxValuesIPv4 = ValuesBudget / BencodedIPv4ValueSize;

    /// <summary>20: IPv6 peers in one get_peers response.</summary>
    public const int MaxValuesIPv6 = ValuesBudget / BencodedIPv6ValueSize;

    /// <summary>Info-hashes tracked at once; the one announced to least recently is evicted first.</summary>
    public int MaxInfoHashes { get; init; } = 2_000;

    /// <summary>Peers per info-hash; the one announced least recently is evicted first.</summary>
    public int MaxPeersPerInfoHash { get; init; } = 100;

    /// <summary>How long an announce counts. BEP 5 sets none; peers re-announce every ~15 min, so 30 min survives one miss.</summary>
    public TimeSpan PeerLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>announce_peer queries accepted per source IP address per minute.</summary>
    public int MaxAnnouncesPerSourcePerMinute { get; init; } = 10;

    /// <summary>Source addresses whose announce rate is tracked at once (bounds the limiter itself).</summary>
    public int MaxTrackedSources { get; init; } = 4_096;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInfoHashes, 1, nameof(MaxInfoHashes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeersPerInfoHash, 1, nameof(MaxPeersPerInfoHash));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PeerLifetime, TimeSpan.Zero, nameof(PeerLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAnnouncesPerSourcePerMinute, 1, nameof(MaxAnnouncesPerSourcePerMinute));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrackedSources, 1, nameof(MaxTrackedSources));
    }
}
