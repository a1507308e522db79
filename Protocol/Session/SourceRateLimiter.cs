using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// A token bucket per source address (rate r per second, depth b), in a bounded table. KeyRequests
/// make the responder do an ECDH and a signature, and every handshake message costs a signature
/// check, so each source gets only a few public-key operations per second. When
/// the table is full, buckets that have refilled completely (idle sources) are forgotten; if none
/// has, the newcomer is refused, so a flood of spoofed sources cannot grow memory.
/// </summary>
internal sealed class SourceRateLimiter
{
    private readonly Dictionary<PeerEndpoint, Bucket> _buckets = new();
    private readonly List<PeerEndpoint> _idle = new();
    private readonly TimeProvider _time;
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly int _maxSources;

    public SourceRateLimiter(TimeProvider time, double ratePerSecond, int burst, int maxSources)
    {
        _time = time;
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _maxSources = maxSources;
    }

    public int Count => _buckets.Count;

    public bool TryTake(PeerEndpoint source, long now)
    {
        if (!_buckets.TryGetValue(source, out var bucket))
        {
            if (_buckets.Count >= _maxSources)
            {
                Prune(now);
                if (_buckets.Count >= _maxSources)
                {
                    return false;
                }
            }

            bucket = new Bucket(_burst, now);
        }

        double tokens = Refill(bucket, now);
        if (tokens < 1)
        {
            _buckets[source] = new Bucket(tokens, now);
            return false;
        }

        _buckets[source] = new Bucket(tokens - 1, now);
        return true;
    }

    /// <summary>
    /// Gives back the token of a check that passed: a source pays for every public-key operation,
    /// but one whose signature verified costs it nothing, so a genuine peer that rekeys often is
    /// never throttled by its own confirms while a forger still runs dry after the burst.
    /// </summary>
    public void Refund(PeerEndpoint source)
    {
        if (_buckets.TryGetValue(source, out var bucket))
        {
            _buckets[source] = bucket with { Tokens = Math.Min(_burst, bucket.Tokens + 1) };
        }
    }

    /// <summary>Forgets sources whose bucket is full again (they are indistinguishable from new ones).</summary>
    public void Prune(long now)
    {
        _idle.Clear();
        foreach (var (source, bucket) in _buckets)
        {
            if (Refill(bucket, now) >= _burst)
            {
                _idle.Add(source);
            }
        }

        foreach (var source in _idle)
        {
            _buckets.Remove(source);
        }
    }

    private double Refill(Bucket bucket, long now) =>
        Math.Min(_burst, bucket.Tokens + _time.GetElapsedTime(bucket.UpdatedAt, now).TotalSeconds * _ratePerSecond);

    private readonly record struct Bucket(double Tokens, long UpdatedAt);
}
