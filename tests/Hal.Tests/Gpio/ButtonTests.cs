using PicoTalk.Hal.Gpio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>Button gestures on a fake clock: every figure is exact because only the test moves time.</summary>
public sealed class ButtonTests : IDisposable
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private readonly FakeTimeProvider _time = new();
    private readonly List<(ButtonGesture Gesture, TimeSpan At)> _seen = new();
    private readonly long _origin;
    private readonly Button _button;

    public ButtonTests()
    {
        _origin = _time.GetTimestamp();
        _button = new Button("answer", _time, new ButtonOptions(), (button, gesture) =>
        {
            Assert.Equal("answer", button.Name);
            _seen.Add((gesture, _time.GetElapsedTime(_origin)));
        });
    }

    public void Dispose() => _button.Dispose();

    [Fact]
    public void BouncesShorterThanTheDebounceGiveNothingAndACleanPressAfterThemGivesDown()
    {
        // Contact bounce: pulses of 5 to 25 ms, each shorter than the 30 ms debounce.
        foreach (int pulse in new[] { 5, 10, 25, 20, 15 })
        {
            _button.OnLevel(true);
            _time.Advance(pulse * Ms);
            _button.OnLevel(false);
            _time.Advance(pulse * Ms);
        }

        _time.Advance(500 * Ms);
        Assert.Empty(_seen);
        Assert.False(_button.IsDown);

        var pressedAt = _time.GetElapsedTime(_origin);
        _button.OnLevel(true);
        _time.Advance(29 * Ms);
        Assert.Empty(_seen);
        _time.Advance(1 * Ms);
        Assert.Equal([(ButtonGesture.Down, pressedAt + 30 * Ms)], _seen);
        Assert.True(_button.IsDown);
    }

    [Fact]
    public void ReleaseBouncesWhileHeldDoNotReleaseTheButton()
    {
        Press();
        for (int i = 0; i < 5; i++)
        {
            _button.OnLevel(false);
            _time.Advance(10 * Ms);
            _button.OnLevel(true);
            _time.Advance(10 * Ms);
        }

        Assert.Equal([ButtonGesture.Down], Gestures());
        Assert.True(_button.IsDown);
    }

    [Fact]
    public void AShortPressGivesDownThenUpThenClick()
    {
        _button.OnLevel(true);
        _time.Advance(200 * Ms);
        _button.OnLevel(false);
        _time.Advance(100 * Ms);
        Assert.Equal(
            [(ButtonGesture.Down, 30 * Ms), (ButtonGesture.Up, 230 * Ms), (ButtonGesture.Click, 230 * Ms)],
            _seen);
        Assert.False(_button.IsDown);
    }

    [Fact]
    public void LongPressFiresWhileHeldOnceHeldForLongPressAndNoClickFollowsIt()
    {
        _button.OnLevel(true);
        _time.Advance(30 * Ms + 1499 * Ms);
        Assert.Equal([ButtonGesture.Down], Gestures());
        _time.Advance(1 * Ms);
        // Still held: the long press is reported now, 1.5 s after Down, not on release.
        Assert.Equal([(ButtonGesture.Down, 30 * Ms), (ButtonGesture.LongPress, 1530 * Ms)], _seen);
        Assert.True(_button.IsDown);

        _time.Advance(3000 * Ms);
        Assert.Equal(2, _seen.Count); // once per press, however long it is held

        _button.OnLevel(false);
        _time.Advance(30 * Ms);
        Assert.Equal([ButtonGesture.Down, ButtonGesture.LongPress, ButtonGesture.Up], Gestures());
        Assert.Equal(4560 * Ms, _seen[^1].At);
        Assert.Equal(0, _time.ActiveTimerCount);
    }

    [Fact]
    public void AReleaseJustBeforeTheLongPressIsAClickAndTheHoldTimerDoesNothingAfterIt()
    {
        _button.OnLevel(true);
        _time.Advance(30 * Ms);                 // Down at 30 ms, long press due at 1530 ms
        _time.Advance(1469 * Ms);
        _button.OnLevel(false);                 // release counts at 1529 ms
        _time.Advance(30 * Ms);
        Assert.Equal([ButtonGesture.Down, ButtonGesture.Up, ButtonGesture.Click], Gestures());

        _time.Advance(5000 * Ms);
        Assert.Equal(3, _seen.Count);
    }

    [Fact]
    public void AStaleHoldTimerCallbackAfterReleaseDoesNothing()
    {
        // A real timer's callback can already be queued on the event loop when the release cancels it:
        // capture the hold timer's callback and run it after the release.
        var capturing = new CapturingTimeProvider(_time);
        var seen = new List<ButtonGesture>();
        using var button = new Button("call", capturing, new ButtonOptions(), (_, g) => seen.Add(g));
        button.OnLevel(true);
        _time.Advance(30 * Ms);
        Assert.Equal([ButtonGesture.Down], seen);
        var holdCallback = capturing.Created[^1];

        button.OnLevel(false);
        _time.Advance(30 * Ms);
        holdCallback();                         // the stale long-press callback arrives late
        Assert.Equal([ButtonGesture.Down, ButtonGesture.Up, ButtonGesture.Click], seen);

        // And a stale one from the first press does nothing during the next press either.
        button.OnLevel(true);
        _time.Advance(30 * Ms);
        holdCallback();
        Assert.Equal([ButtonGesture.Down, ButtonGesture.Up, ButtonGesture.Click, ButtonGesture.Down], seen);
        _time.Advance(1500 * Ms);
        Assert.Equal(ButtonGesture.LongPress, seen[^1]);
    }

    [Fact]
    public void AStaleDebounceCallbackAfterABounceDoesNothing()
    {
        var capturing = new CapturingTimeProvider(_time);
        var seen = new List<ButtonGesture>();
        using var button = new Button("ptt", capturing, new ButtonOptions(), (_, g) => seen.Add(g));
        button.OnLevel(true);
        var debounceCallback = capturing.Created[^1];
        _time.Advance(10 * Ms);
        button.OnLevel(false);                  // the bounce cancels the pending press
        debounceCallback();
        _time.Advance(100 * Ms);
        Assert.Empty(seen);
        Assert.False(button.IsDown);
    }

    [Fact]
    public void AfterDisposeTimersAreGoneAndLevelsAreRefused()
    {
        _button.OnLevel(true);
        _time.Advance(30 * Ms);
        _button.Dispose();
        Assert.Equal(0, _time.ActiveTimerCount);
        _time.Advance(5000 * Ms);
        Assert.Equal([ButtonGesture.Down], Gestures());
        Assert.Throws<ObjectDisposedException>(() => _button.OnLevel(false));
    }

    [Fact]
    public void ZeroDebounceCountsEachChangeAtOnce()
    {
        var seen = new List<ButtonGesture>();
        using var button = new Button("door", _time, new ButtonOptions { Debounce = TimeSpan.Zero }, (_, g) => seen.Add(g));
        button.OnLevel(true);
        button.OnLevel(false);
        Assert.Equal([ButtonGesture.Down, ButtonGesture.Up, ButtonGesture.Click], seen);
    }

    private void Press()
    {
        _button.OnLevel(true);
        _time.Advance(30 * Ms);
    }

    private ButtonGesture[] Gestures() => _seen.Select(s => s.Gesture).ToArray();

    /// <summary>Hands out the fake clock's timers and keeps each callback, to replay one late.</summary>
    private sealed class CapturingTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        public List<Action> Created { get; } = new();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Created.Add(() => callback(state));
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
