namespace PicoTalk.Hal.Gpio;

/// <summary>What a <see cref="Led"/> shows.</summary>
public enum LedPattern
{
    Off,
    On,

    /// <summary>1 Hz: 500 ms on, 500 ms off.</summary>
    SlowBlink,

    /// <summary>4 Hz: 125 ms on, 125 ms off.</summary>
    FastBlink,

    /// <summary>A short flash each second: 100 ms on, 900 ms off.</summary>
    Flash,
}

/// <summary>
/// An LED on one output line showing a <see cref="LedPattern"/> (STYLE.md 8). A blinking pattern
/// starts lit at the moment <see cref="Show"/> is called and each toggle is computed from that start
/// (phase = time since start modulo the period), never from the previous toggle, so late timer
/// callbacks do not add up to drift and a callback late by more than a phase lands in the right one.
/// A timer exists only while a pattern blinks; Off and On are steady.
/// </summary>
/// <remarks>
/// Threading as for <see cref="Button"/>: the owner's <see cref="TimeProvider"/> runs its timers on
/// the owner's event loop, and <see cref="Show"/> is called on that thread. The LED owns the output:
/// <see cref="Dispose"/> turns it off, then disposes it.
/// </remarks>
public sealed class Led : IDisposable
{
    private readonly IGpioOutput _output;
    private readonly TimeProvider _time;
    private long _generation;
    private long _start;
    private bool _lit;
    private bool _disposed;
    private ITimer? _timer;

    public Led(IGpioOutput output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        _output = output;
        _time = time;
        _output.Set(false);
    }

    public LedPattern Pattern { get; private set; } = LedPattern.Off;

    /// <summary>(time lit, period) of a blinking pattern; null for a steady one.</summary>
    public static (TimeSpan On, TimeSpan Period)? Timing(LedPattern pattern) => pattern switch
    {
        LedPattern.Off or LedPattern.On => null,
        LedPattern.SlowBlink => (TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000)),
        LedPattern.FastBlink => (TimeSpan.FromMilliseconds(125), TimeSpan.FromMilliseconds(250)),
        LedPattern.Flash => (TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000)),
        _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "not a LedPattern"),
    };

    /// <summary>Shows <paramref name="pattern"/>. The pattern already shown is left running; any other
    /// restarts from its beginning (lit) now.</summary>
    public void Show(LedPattern pattern)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var timing = Timing(pattern);
        if (pattern == Pattern)
        {
            return;
        }

        Pattern = pattern;
        StopTimer();
        if (timing is not { } blink)
        {
            Drive(pattern == LedPattern.On);
            return;
        }

        _start = _time.GetTimestamp();
        Drive(true);
        long generation = _generation;
        _timer = _time.CreateTimer(_ => OnToggle(generation), null, blink.On, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops any blinking, turns the LED off and releases the output.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        StopTimer();
        Drive(false);
        _output.Dispose();
    }

    private void OnToggle(long generation)
    {
        // A callback queued before the pattern changed belongs to the old pattern.
        if (_disposed || generation != _generation || Timing(Pattern) is not { } blink)
        {
            return;
        }

        long onTicks = blink.On.Ticks;
        long periodTicks = blink.Period.Ticks;
        long phase = _time.GetElapsedTime(_start).Ticks % periodTicks;
        bool lit = phase < onTicks;
        Drive(lit);
        long untilNext = lit ? onTicks - phase : periodTicks - phase;
        _timer?.Change(TimeSpan.FromTicks(untilNext), Timeout.InfiniteTimeSpan);
    }

    private void Drive(bool lit)
    {
        if (lit != _lit)
        {
            _output.Set(lit);
            _lit = lit;
        }
    }

    private void StopTimer()
    {
        _generation++;
        _timer?.Dispose();
        _timer = null;
    }
}
