namespace PicoTalk.Hal.Audio;

/// <summary>
/// Gives a device with no clock of its own (a WAV file, silence, a simulated microphone) the pace of
/// a sound card: one period per period of time, so the daemon's capture thread blocks as it would on
/// ALSA instead of spinning.
/// <para>
/// Deadlines are absolute, <c>start + n * period</c>, counted from construction: a late wake-up does
/// not push the following deadlines back, so the pace does not drift. Waiting uses one
/// <see cref="ITimer"/> re-armed with <see cref="ITimer.Change"/> and a semaphore, so a tick allocates
/// nothing. On the system clock the consumer's own thread waits instead (a timed wait on an event
/// that only <see cref="Dispose"/> sets): a timer would cost three thread wake-ups per period (the
/// timer thread, a thread-pool worker, the consumer), which was most of a call's CPU. A consumer up to <see cref="MaxLagPeriods"/> periods late gets the missed periods at once
/// (it catches up, as from a sound card's buffer); later than that, the missed periods are skipped
/// (counted in <see cref="SkippedPeriods"/>) rather than delivered in a burst.
/// </para>
/// With a fake clock, each <c>Advance(period)</c> releases exactly one <see cref="WaitNext"/>.
/// </summary>
public sealed class AudioPacer : IDisposable
{
    /// <summary>How far behind (in periods) a consumer may fall before periods are skipped.</summary>
    public const int MaxLagPeriods = 4;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ManualResetEvent? _stopped; // the system clock only: set by Dispose, waited on with a timeout
    private readonly long _start;
    private readonly long _periodTimestamp;
    private readonly bool _roundUpToMilliseconds;
    private long _periods;
    private long _skipped;
    private volatile bool _disposed;

    public AudioPacer(TimeProvider time, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _time = time;
        _roundUpToMilliseconds = ReferenceEquals(time, TimeProvider.System);
        Period = period;
        _periodTimestamp = (long)Math.Round(period.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);
        if (_periodTimestamp <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "shorter than the clock's resolution");
        }

        _stopped = _roundUpToMilliseconds ? new ManualResetEvent(false) : null;
        _timer = time.CreateTimer(static state => ((AudioPacer)state!)._signal.Release(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _start = time.GetTimestamp();
    }

    public TimeSpan Period { get; }

    /// <summary>Periods skipped because the consumer fell more than <see cref="MaxLagPeriods"/> behind.</summary>
    public long SkippedPeriods => Interlocked.Read(ref _skipped);

    /// <summary>Index of the last period delivered: periods delivered plus periods skipped.</summary>
    public long Periods => Interlocked.Read(ref _periods);

    /// <summary>
    /// Blocks until the next deadline. Returns false once disposed (also when disposed while
    /// waiting). Called by one thread at a time.
    /// </summary>
    public bool WaitNext()
    {
        if (_disposed)
        {
            return false;
        }

        long next = _periods + 1;
        long now = _time.GetTimestamp();
        long late = now - (_start + next * _periodTimestamp);
        if (late > MaxLagPeriods * _periodTimestamp)
        {
            // Jump to the last deadline already passed; the consumer gets it now and then the pace.
            long current = (now - _start) / _periodTimestamp;
            Interlocked.Add(ref _skipped, current - next);
            next = current;
        }

        long deadline = _start + next * _periodTimestamp;
        while (!_disposed)
        {
            now = _time.GetTimestamp();
            if (now >= deadline)
            {
                Interlocked.Exchange(ref _periods, next);
                return true;
            }

            if (_stopped is not null)
            {
                // A kernel timed wait, not a sleep: Dispose wakes it. Rounded up to whole
                // milliseconds (the wait's resolution), so it never spins before the deadline.
                if (_stopped.WaitOne(RoundUp(_time.GetElapsedTime(now, deadline))))
                {
                    return false;
                }

                continue;
            }

            // Re-armed only after the previous firing was consumed, so each firing pairs with one
            // Wait; an early wake-up (coarse system timers) just loops and re-arms for the rest.
            if (!Arm(_time.GetElapsedTime(now, deadline)))
            {
                return false;
            }

            _signal.Wait();
        }

        return false;
    }

    private bool Arm(TimeSpan wait)
    {
        if (_roundUpToMilliseconds)
        {
            // The system timer queue truncates to whole milliseconds, so a 0.4 ms wait would fire at
            // once and this loop would spin until the deadline; waking up to 1 ms late costs nothing
            // because the next deadline is still start + n * period.
            wait = RoundUp(wait);
        }

        try
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false; // disposed between the check and the arming
        }
    }

    private static TimeSpan RoundUp(TimeSpan wait) => TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));

    /// <summary>Stops the pacer; a blocked <see cref="WaitNext"/> returns false.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _timer.Dispose();
        _stopped?.Set(); // left to the GC like the semaphore: a waiter may still be inside WaitOne
        // Wakes a waiter; the semaphore itself is left to the GC because a waiter may still touch it.
        _signal.Release();
    }
}
