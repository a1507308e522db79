using PicoTalk.Hal.Gpio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>LED patterns read back from the simulated chip's output history on a fake clock.</summary>
public sealed class LedTests : IDisposable
{
    private const int Line = 23;
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private readonly FakeTimeProvider _time = new();
    private readonly SimulatedGpioChip _chip;

    public LedTests() => _chip = new SimulatedGpioChip(_time);

    public void Dispose() => _chip.Dispose();

    public static TheoryData<LedPattern, int, int> Blinking => new()
    {
        { LedPattern.SlowBlink, 500, 1000 },
        { LedPattern.FastBlink, 125, 250 },
        { LedPattern.Flash, 100, 1000 },
    };

    [Theory]
    [MemberData(nameof(Blinking))]
    public void EachBlinkingPatternFollowsItsTimeline(LedPattern pattern, int onMs, int periodMs)
    {
        using var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), _time);
        _time.Advance(777 * Ms);                // the pattern starts when shown, not at the clock's origin
        long start = _time.GetTimestamp();
        led.Show(pattern);
        _time.Advance(3000 * Ms);

        var expected = new List<(bool, TimeSpan)>();
        for (int t = 0; t <= 3000; t += periodMs)
        {
            expected.Add((true, t * Ms));
            if (t + onMs <= 3000)
            {
                expected.Add((false, (t + onMs) * Ms));
            }
        }

        Assert.Equal(expected, History(start));
        Assert.Equal(pattern, led.Pattern);
    }

    [Fact]
    public void SteadyPatternsHoldTheLevelWithNoTimer()
    {
        using var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), _time);
        Assert.Equal(LedPattern.Off, led.Pattern);
        Assert.Equal(0, _time.ActiveTimerCount);

        long start = _time.GetTimestamp();
        led.Show(LedPattern.On);
        Assert.Equal(0, _time.ActiveTimerCount);
        _time.Advance(10_000 * Ms);
        Assert.True(_chip.IsOutputActive(Line));

        led.Show(LedPattern.SlowBlink);
        Assert.Equal(1, _time.ActiveTimerCount);
        _time.Advance(250 * Ms);
        led.Show(LedPattern.Off);
        Assert.Equal(0, _time.ActiveTimerCount);
        _time.Advance(10_000 * Ms);
        Assert.False(_chip.IsOutputActive(Line));
        // On at 0; SlowBlink keeps it lit (no write); Off at 10.25 s.
        Assert.Equal([(true, TimeSpan.Zero), (false, 10_250 * Ms)], History(start));
    }

    [Fact]
    public void ShowingThePatternAlreadyShownDoesNotRestartIt()
    {
        using var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), _time);
        long start = _time.GetTimestamp();
        led.Show(LedPattern.SlowBlink);
        _time.Advance(300 * Ms);
        led.Show(LedPattern.SlowBlink);
        _time.Advance(900 * Ms);
        Assert.Equal([(true, TimeSpan.Zero), (false, 500 * Ms), (true, 1000 * Ms)], History(start));
    }

    [Fact]
    public void ChangingThePatternRestartsItFromTheChange()
    {
        using var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), _time);
        long start = _time.GetTimestamp();
        led.Show(LedPattern.SlowBlink);
        _time.Advance(700 * Ms);                // lit 0..500, dark since 500
        led.Show(LedPattern.FastBlink);         // lit again at 700, then 125/125 from there
        _time.Advance(400 * Ms);
        Assert.Equal(
            [(true, TimeSpan.Zero), (false, 500 * Ms), (true, 700 * Ms), (false, 825 * Ms), (true, 950 * Ms), (false, 1075 * Ms)],
            History(start));
        Assert.Equal(1, _time.ActiveTimerCount);
    }

    [Fact]
    public void LateTimersDoNotAddUpToDriftOver1000Periods()
    {
        // Every timer fires 7 ms late, as on a busy event loop. Scheduling each toggle from the
        // previous one would fall 14 ms behind per period (14 s after 1000); from the start it
        // stays within the 7 ms of one late callback.
        var late = TimeSpan.FromMilliseconds(7);
        using var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), new LateTimeProvider(_time, late));
        long start = _time.GetTimestamp();
        led.Show(LedPattern.FastBlink);
        _time.AdvanceInSteps(TimeSpan.FromMilliseconds(250 * 1000), TimeSpan.FromSeconds(1));
        _time.Advance(late);                    // the last toggle, due at 250 s, fires late too

        var history = History(start);
        Assert.Equal(2001, history.Count);      // lit at 0, then 2 toggles per period up to 250 s
        for (int i = 0; i < history.Count; i++)
        {
            var ideal = TimeSpan.FromMilliseconds(125.0 * i);
            Assert.Equal(i % 2 == 0, history[i].Active);
            Assert.InRange(history[i].At, ideal, ideal + late);
        }
    }

    [Fact]
    public void DisposeTurnsTheLedOffStopsTheTimerAndReleasesTheLine()
    {
        var led = new Led(_chip.RequestOutput(Line, activeLow: false, "test"), _time);
        led.Show(LedPattern.Flash);
        Assert.True(_chip.IsOutputActive(Line));
        led.Dispose();
        Assert.False(_chip.IsOutputActive(Line));
        Assert.Equal(0, _time.ActiveTimerCount);
        Assert.Throws<ObjectDisposedException>(() => led.Show(LedPattern.On));
        _chip.RequestOutput(Line, activeLow: false, "again").Dispose();
    }

    /// <summary>The output's changes since <paramref name="start"/>, as (level, time after start).</summary>
    private List<(bool Active, TimeSpan At)> History(long start) =>
        _chip.OutputHistory
            .Where(h => h.Line == Line && h.Timestamp >= start)
            .Select(h => (h.Active, _time.GetElapsedTime(start, h.Timestamp)))
            .ToList();

    /// <summary>The fake clock, but every timer fires <c>late</c> after it was due.</summary>
    private sealed class LateTimeProvider(FakeTimeProvider inner, TimeSpan late) : TimeProvider
    {
        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new LateTimer(inner.CreateTimer(callback, state, Delay(dueTime), period), this);

        private TimeSpan Delay(TimeSpan due) => due == Timeout.InfiniteTimeSpan ? due : due + late;

        private sealed class LateTimer(ITimer timer, LateTimeProvider owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(owner.Delay(dueTime), period);

            public void Dispose() => timer.Dispose();

            public ValueTask DisposeAsync() => timer.DisposeAsync();
        }
    }
}
