using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>
/// Decides which PicoTalk announces reach the DHT (DESIGN.md "DHT": everything tracked is bounded and
/// rate limited per source). Two gates: a sender (address and announced port) is reported once per
/// <see cref="LanDiscoveryLimits.ReportInterval"/> unless its node ID changes, and all senders share a
/// token bucket. The table holds at most <see cref="LanDiscoveryLimits.MaxSources"/> senders; a new one
/// replaces the one silent longest, so a flood of forged addresses cannot grow memory. Not thread-safe:
/// <see cref="LanDiscovery"/> holds its lock around it.
/// </summary>
internal sealed class LanReportLimiter
{
    private readonly TimeProvider _time;
    private readonly LanDiscoveryLimits _limits;
    private readonly Dictionary<PeerEndpoint, Source> _sources;
    private double _tokens;
    private long _tokensAt;

    public LanReportLimiter(TimeProvider time, LanDiscoveryLimits limits)
    {
        _time = time;
        _limits = limits;
        _sources = new Dictionary<PeerEndpoint, Source>(limits.MaxSources);
        _tokens = limits.ReportBurst;
        _tokensAt = time.GetTimestamp();
    }

    public int Count => _sources.Count;

    /// <summary>True if <paramref name="node"/> should be reported now; records that it was.</summary>
    public bool TryReport(PeerEndpoint node, NodeId? id)
    {
        long now = _time.GetTimestamp();
        Refill(now);
        bool known = _sources.TryGetValue(node, out var source);
        bool due = !known || source.Id != id || _time.GetElapsedTime(source.LastReported, now) >= _limits.ReportInterval;
        if (!due || _tokens < 1)
        {
            if (known)
            {
                _sources[node] = source with { LastSeen = now };
            }

            return false;
        }

        _tokens -= 1;
        if (!known && _sources.Count >= _limits.MaxSources)
        {
            EvictLongestSilent();
        }

        _sources[node] = new Source(now, now, id);
        return true;
    }

    private void Refill(long now)
    {
        double seconds = _time.GetElapsedTime(_tokensAt, now).TotalSeconds;
        _tokensAt = now;
        _tokens = Math.Min(_limits.ReportBurst, _tokens + (seconds * _limits.ReportsPerSecond));
    }

    // O(MaxSources), and only when a new sender arrives at a full table.
    private void EvictLongestSilent()
    {
        PeerEndpoint oldest = default;
        long oldestSeen = long.MaxValue;
        foreach (var (node, source) in _sources)
        {
            if (source.LastSeen < oldestSeen)
            {
                oldestSeen = source.LastSeen;
                oldest = node;
            }
        }

        _sources.Remove(oldest);
    }

    private readonly record struct Source(long LastSeen, long LastReported, NodeId? Id);
}
