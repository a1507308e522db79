namespace PicoTalk.Hal.Gpio;

/// <summary>What a <see cref="Button"/> reports.</summary>
public enum ButtonGesture
{
    /// <summary>A press counted (stable for <see cref="ButtonOptions.Debounce"/>).</summary>
    Down,

    /// <summary>A release counted.</summary>
    Up,

    /// <summary>A release that came before <see cref="ButtonOptions.LongPress"/>; raised right after <see cref="Up"/>.</summary>
    Click,

    /// <summary>Held for <see cref="ButtonOptions.LongPress"/> since <see cref="Down"/>; raised while still held.</summary>
    LongPress,
}

/// <summary>Timings of a <see cref="Button"/>.</summary>
public sealed record ButtonOptions
{
    /// <summary>How long a new level must stay before it counts; shorter pulses (contact bounce) are ignored. Zero counts every change at once.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>How long after <see cref="ButtonGesture.Down"/> a held button raises <see cref="ButtonGesture.LongPress"/>.</summary>
    public TimeSpan LongPress { get; init; } = TimeSpan.FromSeconds(1.5);
}

/// <summary>
/// Gestures from the raw levels of one button line: debounce, press, release, click, long press
/// (STYLE.md 8: logic above the driver, time through a <see cref="TimeProvider"/>).
/// <code>
///              press stable for Debounce: Down, arm hold timer
///   Released ──────────────────────────────────────────────▶ Held
///      ▲                                                     │  hold timer (LongPress after Down):
///      │  release stable for Debounce:                       │  LongPress, mark it fired
///      └──── Up, then Click unless LongPress fired ◀─────────┘
/// </code>
/// A level change starts the debounce timer; a change back before it fires cancels it, so a bounce
/// of shorter pulses gives nothing. Both timings run from debounced moments, so a press and its
/// release are delayed alike and "held" means Down to Up.
/// </summary>
/// <remarks>
/// Threading: the callback runs on the thread that fires the <see cref="TimeProvider"/>'s timers,
/// or on the thread calling <see cref="OnLevel"/> when Debounce is zero. The owner passes a
/// TimeProvider whose timers run on its event loop (the daemon does) and calls <see cref="OnLevel"/>
/// on that same thread; nothing here locks. A timer callback that was already queued when its timer
/// was replaced or cancelled is recognised by its generation number and ignored.
/// </remarks>
public sealed class Button : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ButtonOptions _options;
    private readonly Action<Button, ButtonGesture> _onGesture;
    private bool _raw;
    private bool _longPressFired;
    private bool _disposed;
    private long _debounceGeneration;
    private long _holdGeneration;
    private ITimer? _debounceTimer;
    private ITimer? _holdTimer;

    public Button(string name, TimeProvider time, ButtonOptions options, Action<Button, ButtonGesture> onGesture)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onGesture);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Debounce, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LongPress, TimeSpan.Zero, nameof(options));
        Name = name;
        _time = time;
        _options = options;
        _onGesture = onGesture;
    }

    public string Name { get; }

    /// <summary>Whether the debounced level is pressed (between Down and Up).</summary>
    public bool IsDown { get; private set; }

    /// <summary>Feeds the raw logical level of the line (true = pressed), e.g. from each
    /// <see cref="GpioEdge.Active"/>. Repeating the current level changes nothing. The button starts
    /// released; feed the line's level once at start so a button held then is seen.</summary>
    public void OnLevel(bool active)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (active == _raw)
        {
            return;
        }

        _raw = active;
        _debounceGeneration++;
        DisposeTimer(ref _debounceTimer);
        if (_raw == IsDown)
        {
            // Back to the level that counts before the debounce ran out: a bounce, nothing happened.
            return;
        }

        if (_options.Debounce == TimeSpan.Zero)
        {
            Settle();
            return;
        }

        long generation = _debounceGeneration;
        _debounceTimer = _time.CreateTimer(_ => OnDebounced(generation), null, _options.Debounce, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _disposed = true;
        _debounceGeneration++;
        _holdGeneration++;
        DisposeTimer(ref _debounceTimer);
        DisposeTimer(ref _holdTimer);
    }

    public override string ToString() => $"{Name} ({(IsDown ? "down" : "up")})";

    private void OnDebounced(long generation)
    {
        if (_disposed || generation != _debounceGeneration)
        {
            return;
        }

        DisposeTimer(ref _debounceTimer);
        Settle();
    }

    /// <summary>The one place the debounced level changes.</summary>
    private void Settle()
    {
        IsDown = _raw;
        _holdGeneration++;
        DisposeTimer(ref _holdTimer);
        if (IsDown)
        {
            _longPressFired = false;
            long generation = _holdGeneration;
            _holdTimer = _time.CreateTimer(_ => OnHeld(generation), null, _options.LongPress, Timeout.InfiniteTimeSpan);
            _onGesture(this, ButtonGesture.Down);
        }
        else
        {
            _onGesture(this, ButtonGesture.Up);
            if (!_longPressFired)
            {
                _onGesture(this, ButtonGesture.Click);
            }
        }
    }

    private void OnHeld(long generation)
    {
        if (_disposed || generation != _holdGeneration || !IsDown)
        {
            return;
        }

        DisposeTimer(ref _holdTimer);
        _longPressFired = true;
        _onGesture(this, ButtonGesture.LongPress);
    }

    private static void DisposeTimer(ref ITimer? timer)
    {
        timer?.Dispose();
        timer = null;
    }
}
