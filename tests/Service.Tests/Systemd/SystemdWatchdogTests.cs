using System.Diagnostics;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Systemd;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Systemd;

public sealed class SystemdWatchdogTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("30000000", null, 30_000.0)]
    [InlineData("200000", "SELF", 200.0)]
    [InlineData("200000", "OTHER", null)]
    [InlineData("1", null, 0.001)]
    public void Reads_WATCHDOG_USEC_and_WATCHDOG_PID_as_sd_watchdog_enabled_does(string? usec, string? pid, double? milliseconds)
    {
        const int self = 4242;
        string? pidValue = pid switch { "SELF" => "4242", "OTHER" => "4243", _ => pid };
        var timeout = SystemdWatchdog.ParseTimeout(usec, pidValue, self);
        Assert.Equal(milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null, timeout);
    }

    [Theory]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("30s", null)]
    [InlineData(" 100", null)]
    [InlineData("", null)]
    [InlineData("18446744073709551615", null)]
    [InlineData("200000", "abc")]
    [InlineData("200000", "0")]
    public void Malformed_variables_are_an_error_not_a_silent_default(string usec, string? pid)
    {
        Assert.Throws<FormatException>(() => SystemdWatchdog.ParseTimeout(usec, pid, 4242));
    }

    [Fact]
    public void Pings_on_the_loop_at_half_the_timeout()
    {
        using var dir = new TempDirectory("picotalk-watchdog");
        using var manager = new NotifyListener(dir.File("notify"));
        using var notifier = new SystemdNotifier(manager.Name);
        var time = new FakeTimeProvider();
        using var loop = EventLoop.CreateManual(time, e => throw e);

        using var watchdog = SystemdWatchdog.Start(loop, notifier, TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(15), watchdog.PingInterval);

        // The first ping goes at once, on the loop's next turn (not from the timer's thread).
        time.Advance(TimeSpan.Zero);
        Assert.Null(manager.Receive(TimeSpan.Zero));
        loop.RunPending();
        Assert.Equal("WATCHDOG=1", manager.Receive(Wait));

        time.Advance(TimeSpan.FromSeconds(14.9));
        loop.RunPending();
        Assert.Empty(manager.Drain());
        time.Advance(TimeSpan.FromSeconds(0.1));
        loop.RunPending();
        Assert.Equal(["WATCHDOG=1"], manager.Drain());

        time.AdvanceInSteps(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), () => loop.RunPending());
        Assert.Equal(4, manager.Drain().Count);
        Assert.Equal(6, watchdog.Pings);

        watchdog.Dispose();
        time.Advance(TimeSpan.FromSeconds(60));
        loop.RunPending();
        Assert.Empty(manager.Drain());
    }

    [Fact]
    public async Task A_blocked_loop_stops_the_pings_and_they_resume_when_it_turns_again()
    {
        using var dir = new TempDirectory("picotalk-watchdog");
        using var manager = new NotifyListener(dir.File("notify"));
        using var notifier = new SystemdNotifier(manager.Name);
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        var clock = Stopwatch.StartNew();
        // 400 ms: a ping every 200 ms. Short enough for a quick test, long enough that a busy CI
        // machine does not miss the deadline with a healthy loop.
        var timeout = TimeSpan.FromMilliseconds(400);
        using var watchdog = SystemdWatchdog.Start(loop, notifier, timeout);

        var healthy = manager.ReceiveFor(TimeSpan.FromSeconds(1.5), clock);
        Assert.All(healthy, m => Assert.Equal("WATCHDOG=1", m.Message));
        Assert.True(healthy.Count >= 5, $"{healthy.Count} pings in 1.5 s at one per 200 ms");
        AssertGapsBelow(timeout, healthy);

        // A work item that does not return, as a deadlock would (released by the test, below).
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(loop.Post(() =>
        {
            entered.SetResult();
            release.Wait(TimeSpan.FromSeconds(30));
        }));
        await entered.Task.WaitAsync(Wait);
        // Pings sent before the block began are already queued on the socket (they are sent on the
        // loop's thread); nothing may come after.
        manager.Drain();
        var blockedAt = clock.Elapsed;
        var duringBlock = manager.ReceiveFor(TimeSpan.FromSeconds(1), clock);
        Assert.Empty(duringBlock);

        release.Set();
        var resumed = manager.Receive(Wait);
        var resumedAt = clock.Elapsed;
        Assert.Equal("WATCHDOG=1", resumed);
        Assert.True(resumedAt - blockedAt >= TimeSpan.FromSeconds(1));
        var after = manager.ReceiveFor(TimeSpan.FromSeconds(1), clock);
        Assert.True(after.Count >= 3, $"{after.Count} pings in the second after the loop turned again");
        AssertGapsBelow(timeout, [("WATCHDOG=1", resumedAt), .. after]);
    }

    /// <summary>systemd acts when a ping comes later than the timeout after the one before.</summary>
    private static void AssertGapsBelow(TimeSpan timeout, List<(string Message, TimeSpan At)> pings)
    {
        for (int i = 1; i < pings.Count; i++)
        {
            var gap = pings[i].At - pings[i - 1].At;
            Assert.True(gap < timeout, $"ping {i} came {gap.TotalMilliseconds:0} ms after the one before");
        }
    }
}
