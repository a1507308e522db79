using System.Net;

namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// Slows down password guessing per client address: after <see cref="MaxFailures"/> - 1 wrong
/// passwords (or set-up codes) within <see cref="Window"/>, every further attempt from that address
/// is refused (HTTP 429, RFC 6585 §4) without being checked, until the oldest failure is a minute
/// old. Refused attempts are not checked, so they cost no PBKDF2 time either. Bounded: at most
/// <see cref="MaxAddresses"/> addresses are tracked. Thread-safe.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    /// <summary>The 10th wrong password within a minute is refused.</summary>
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public const int MaxAddresses = 4096;

    private readonly Dictionary<IPAddress, Queue<DateTimeOffset>> _failures = [];
    private readonly Lock _lock = new();

    /// <summary>How many addresses have failures on record.</summary>
    public int TrackedAddresses
    {
        get { lock (_lock) { return _failures.Count; } }
    }

    /// <summary>Whether an attempt from <paramref name="address"/> may be checked now.</summary>
    public bool IsAllowed(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return !_failures.TryGetValue(address, out var times) || Prune(times, now) < MaxFailures - 1;
        }
    }

    /// <summary>How long until <paramref name="address"/> may try again (for Retry-After).</summary>
    public TimeSpan RetryAfter(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _failures.TryGetValue(address, out var times) && times.Count > 0
                ? (times.Peek() + Window - now) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
                : TimeSpan.Zero;
        }
    }

    public void RecordFailure(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_failures.TryGetValue(address, out var times))
            {
                if (_failures.Count >= MaxAddresses)
                {
                    PruneAll(now);
                }

                if (_failures.Count >= MaxAddresses)
                {
                    // Flooded from many addresses: forget the one whose last failure is oldest.
                    _failures.Remove(_failures.MinBy(pair => pair.Value.Last()).Key);
                }

                _failures[address] = times = new Queue<DateTimeOffset>();
            }

            Prune(times, now);
            times.Enqueue(now);
        }
    }

    /// <summary>A right password clears the address's record.</summary>
    public void RecordSuccess(IPAddress address)
    {
        lock (_lock)
        {
            _failures.Remove(address);
        }
    }

    private static int Prune(Queue<DateTimeOffset> times, DateTimeOffset now)
    {
        while (times.Count > 0 && now - times.Peek() >= Window)
        {
            times.Dequeue();
        }

        return times.Count;
    }

    private void PruneAll(DateTimeOffset now)
    {
        foreach (var (address, times) in _failures.ToList())
        {
            if (Prune(times, now) == 0)
            {
                _failures.Remove(address);
            }
        }
    }
}
