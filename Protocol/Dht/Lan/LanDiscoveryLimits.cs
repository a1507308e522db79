namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>
/// Timing and bounds of <see cref="LanDiscovery"/> (our choices; BEP 14 "Usage" gives the 5-minute
/// interval and the one-per-minute ceiling we apply per sender).
/// </summary>
public sealed record LanDiscoveryLimits
{
    /// <summary>
    /// Announces right after start, as offsets from it. BEP 14 asks for at most one announce per
    /// minute; three in the first seconds is a deliberate exception so that a datagram lost while a
    /// freshly booted network settles does not cost five minutes (issue 3: "find each other within
    /// seconds"). Three datagrams per boot cannot make a multicast storm.
    /// </summary>
    public IReadOnlyList<TimeSpan> StartBurst { get; init; } =
        [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    /// <summary>After the burst, one announce per interval, counted from start (BEP 14 "Usage").</summary>
    public TimeSpan AnnounceInterval { get; init; } = LsdSpec.AnnounceInterval;

    /// <summary>A sender (address and announced port) is reported again only after this long, unless it
    /// announces a different node ID (a restarted appliance). BEP 14's per-minute ceiling.</summary>
    public TimeSpan ReportInterval { get; init; } = LsdSpec.MinAnnounceSpacing;

    /// <summary>Senders remembered; past this the longest-silent one is forgotten (bounded memory).</summary>
    public int MaxSources { get; init; } = 64;

    /// <summary>Reports allowed at once over all senders (token bucket size): a LAN flood with forged
    /// source addresses cannot make the DHT ping more than this many nodes in a burst.</summary>
    public int ReportBurst { get; init; } = 16;

    /// <summary>Tokens the bucket regains per second.</summary>
    public double ReportsPerSecond { get; init; } = 2;

    internal void Validate()
    {
        if (StartBurst is null || StartBurst.Count == 0)
        {
            throw new ArgumentException("StartBurst needs at least the first announce (offset 0)", nameof(StartBurst));
        }

        for (int i = 0; i < StartBurst.Count; i++)
        {
            if (StartBurst[i] < TimeSpan.Zero || (i > 0 && StartBurst[i] < StartBurst[i - 1]) || StartBurst[i] >= AnnounceInterval)
            {
                throw new ArgumentException(
                    $"StartBurst offsets must be ascending, >= 0 and below AnnounceInterval; entry {i} is {StartBurst[i]}",
                    nameof(StartBurst));
            }
        }

        if (AnnounceInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AnnounceInterval), AnnounceInterval, "must be positive");
        }

        if (ReportInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReportInterval), ReportInterval, "must not be negative");
        }

        if (MaxSources < 1 || ReportBurst < 1 || !(ReportsPerSecond > 0))
        {
            throw new ArgumentException("MaxSources and ReportBurst must be >= 1 and ReportsPerSecond > 0");
        }
    }
}
