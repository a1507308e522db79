namespace PicoTalk.Service.Rooms;

/// <summary>
/// A token bucket: <c>rate</c> tokens a second, at most <c>rate</c> banked (one second of burst).
/// Time comes from the injected clock. Not thread-safe: the room server's lock guards it.
/// </summary>
internal sealed class RateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private double _tokens;
    private long _last;

    public RateLimiter(TimeProvider time, int perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _time = time;
        _rate = perSecond;
        _tokens = perSecond;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes one token; false if the bucket is empty (the packet is dropped).</summary>
    public bool TryTake()
    {
        long now = _time.GetTimestamp();
        _tokens = Math.Min(_rate, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
