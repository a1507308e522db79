using PicoTalk.Protocol.Dht.Routing;

namespace PicoTalk.Protocol.Dht.Storage;

/// <summary>
/// At most N announces per source IP address per one-minute window, in a bounded table. When the
/// table is full, sources whose window has ended are forgotten; if none has, the newcomer is
/// refused (fail closed), so a flood from many addresses cannot grow memory. A scan happens only
/// when the oldest tracked window may have ended, so a flood costs O(1) per announce.
/// </summary>
internal sealed class AnnounceRateLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<IpAddressKey, SourceWindow> _sources = new();
    private readonly List<IpAddressKey> _ended = new();
    private readonly TimeProvider _time;
    private readonly int _maxPerWindow;
    private readonly int _maxSources;
    private long _oldestStart = long.MaxValue;

    public AnnounceRateLimiter(TimeProvider time, int maxPerWindow, int maxSources)
    {
        _time = time;
        _maxPerWindow = maxPerWindow;
        _maxSources = maxSources;
    }

    public int TrackedSources => _sources.Count;

    public bool TryTake(IpAddressKey source, long now)
    {
        if (_sources.TryGetValue(source, out var window) && _time.GetElapsedTime(window.Start, now) < Window)
        {
            if (window.Count >= _maxPerWindow)
            {
                return false;
            }

            _sources[source] = window with { Count = window.Count + 1 };
            return true;
        }

        if (!_sources.ContainsKey(source) && _sources.Count >= _maxSources)
        {
            ForgetEnded(now);
            if (_sources.Count >= _maxSources)
            {
                return false;
            }
        }

        _sources[source] = new SourceWindow(now, 1);
        _oldestStart = Math.Min(_oldestStart, now);
        return true;
    }

    private void ForgetEnded(long now)
    {
        if (_oldestStart == long.MaxValue || _time.GetElapsedTime(_oldestStart, now) < Window)
        {
            return;
        }

        _ended.Clear();
        long oldest = long.MaxValue;
        foreach (var (source, window) in _sources)
        {
            if (_time.GetElapsedTime(window.Start, now) >= Window)
            {
                _ended.Add(source);
            }
            else
            {
                oldest = Math.Min(oldest, window.Start);
            }
        }

        foreach (var source in _ended)
        {
            _sources.Remove(source);
        }

        _oldestStart = oldest;
    }

    private readonly record struct SourceWindow(long Start, int Count);
}
