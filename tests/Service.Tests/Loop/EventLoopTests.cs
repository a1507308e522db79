using PicoTalk.Service.Loop;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Loop;

public sealed class EventLoopTests
{
    [Fact]
    public async Task Runs_work_in_order_on_its_own_thread()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        var seen = new List<int>();
        for (int i = 0; i < 100; i++)
        {
            int n = i;
            Assert.True(loop.Post(() =>
            {
                loop.AssertOnLoop();
                seen.Add(n);
            }));
        }

        bool onLoop = await loop.InvokeAsync(() => loop.IsOnLoop).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(onLoop);
        Assert.Equal(Enumerable.Range(0, 100), seen);
        Assert.False(loop.IsOnLoop);
        Assert.Throws<InvalidOperationException>(loop.AssertOnLoop);
    }

    [Fact]
    public async Task A_throwing_work_item_is_reported_and_the_loop_goes_on()
    {
        var errors = new List<Exception>();
        using var loop = new EventLoop(TimeProvider.System, e =>
        {
            lock (errors)
            {
                errors.Add(e);
            }
        });
        loop.Start();
        loop.Post(() => throw new InvalidOperationException("boom"));
        int after = await loop.InvokeAsync(() => 42).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(42, after);
        Assert.Equal("boom", Assert.Single(errors).Message);
    }

    [Fact]
    public async Task InvokeAsync_carries_exceptions_to_the_caller()
    {
        using var loop = new EventLoop(TimeProvider.System, _ => { });
        loop.Start();
        await Assert.ThrowsAsync<FormatException>(() => loop.InvokeAsync<int>(() => throw new FormatException()).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_queue_is_bounded()
    {
        var time = new FakeTimeProvider();
        using var loop = new EventLoop(time, _ => { }, capacity: 3);
        // Not started: nothing drains the queue.
        Assert.True(loop.Post(() => { }));
        Assert.True(loop.Post(() => { }));
        Assert.True(loop.Post(() => { }));
        Assert.False(loop.Post(() => { }));
        Assert.Equal(1, loop.Overflows);
    }

    [Fact]
    public void A_manual_loop_runs_timers_on_the_test_thread_when_the_fake_clock_moves()
    {
        var time = new FakeTimeProvider();
        using var loop = EventLoop.CreateManual(time, e => throw e);
        int ticks = 0;
        using var timer = loop.CreateTimer(() =>
        {
            loop.AssertOnLoop();
            ticks++;
        }, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));

        time.Advance(TimeSpan.FromMilliseconds(19));
        loop.RunPending();
        Assert.Equal(0, ticks);
        time.Advance(TimeSpan.FromMilliseconds(1));
        loop.RunPending();
        Assert.Equal(1, ticks);
        time.AdvanceInSteps(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20), () => loop.RunPending());
        Assert.Equal(6, ticks);
    }

    [Fact]
    public async Task A_loop_on_the_system_clock_fires_its_own_periodic_timer_on_its_thread_never_early()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int ticks = 0;
        bool offLoop = false;
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var timer = loop.CreateTimer(() =>
        {
            offLoop |= !loop.IsOnLoop;
            if (++ticks == 20)
            {
                done.SetResult();
            }
        }, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(offLoop);
        // The 20th tick is due 200 ms after the start; a timer may be late, never early.
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(199), $"20 ticks of 10 ms after {started.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_loop_timer_that_is_one_shot_changed_or_disposed_stops_firing()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        int oneShot = 0, disposed = 0, disarmed = 0;
        using var once = loop.CreateTimer(() => oneShot++, TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);
        var gone = loop.CreateTimer(() => disposed++, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(30));
        using var changed = loop.CreateTimer(() => disarmed++, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(30));
        gone.Dispose();
        Assert.True(changed.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));

        // A sentinel due well after the others would have fired several times.
        var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var last = loop.CreateTimer(() => sentinel.TrySetResult(), TimeSpan.FromMilliseconds(150), Timeout.InfiniteTimeSpan);
        await sentinel.Task.WaitAsync(TimeSpan.FromSeconds(20));
        int[] seen = await loop.InvokeAsync(() => new[] { oneShot, disposed, disarmed }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { 1, 0, 0 }, seen);
    }

    [Fact]
    public async Task A_queue_that_never_empties_does_not_starve_loop_timers()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        var ticked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool flooding = true;
        void Flood()
        {
            if (flooding)
            {
                loop.Post(Flood);
                loop.Post(() => { });
            }
        }

        loop.Post(Flood);
        using var timer = loop.CreateTimer(() =>
        {
            flooding = false;
            ticked.TrySetResult();
        }, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
        await ticked.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
