using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
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

    [Fact]
    public async Task A_timer_with_slack_runs_early_with_other_work_and_never_late_alone()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();

        // Alone, the loop sleeps until the due time: never early.
        var alone = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using (loop.CreateTimer(() => alone.SetResult(started.Elapsed), TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan, TimeSpan.FromMilliseconds(90)))
        {
            Assert.True(await alone.Task.WaitAsync(TimeSpan.FromSeconds(20)) >= TimeSpan.FromMilliseconds(99));
        }

        // With a 10 ms timer waking the loop, it rides along as soon as it is within its slack.
        using var busy = loop.CreateTimer(() => { }, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
        var along = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        started.Restart();
        using var slack = loop.CreateTimer(() => along.SetResult(started.Elapsed), TimeSpan.FromMilliseconds(400), Timeout.InfiniteTimeSpan, TimeSpan.FromMilliseconds(300));
        var ran = await along.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(ran < TimeSpan.FromMilliseconds(350), $"ran after {ran.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_watched_descriptor_is_read_on_the_loop_when_readable_until_the_watch_is_disposed()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var seen = Channel.CreateUnbounded<(byte Value, bool OnLoop)>();
        var reader = new ReadOne(socket, loop, seen.Writer);
        var watch = loop.WatchReadable((int)socket.Handle, reader);

        sender.SendTo(new byte[] { 7 }, socket.LocalEndPoint!);
        var first = await seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((7, true), first);

        // Level-triggered: two datagrams, one read per call, both come.
        sender.SendTo(new byte[] { 8 }, socket.LocalEndPoint!);
        sender.SendTo(new byte[] { 9 }, socket.LocalEndPoint!);
        Assert.Equal(8, (await seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Value);
        Assert.Equal(9, (await seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Value);

        watch.Dispose();
        await loop.InvokeAsync(() => 0).WaitAsync(TimeSpan.FromSeconds(10)); // a turn after the removal
        sender.SendTo(new byte[] { 10 }, socket.LocalEndPoint!);
        await loop.InvokeAsync(() => 0).WaitAsync(TimeSpan.FromSeconds(10));
        Thread.Sleep(100); // lets a wrongly kept watch fire; nothing must arrive
        Assert.False(seen.Reader.TryRead(out _));
        Assert.Equal(1, socket.Available);
    }

    [Fact]
    public void An_idle_loop_without_timers_still_turns_for_the_watchdog()
    {
        using var loop = new EventLoop(TimeProvider.System, e => throw e);
        loop.Start();
        Thread.Sleep(100); // the loop thread reaches its idle sleep
        long before = loop.LastTurnTimestamp;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (loop.LastTurnTimestamp == before && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50); // polling a thread's progress from outside, not pacing logic under test
        }

        Assert.NotEqual(before, loop.LastTurnTimestamp);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(3), $"idle turn after {waited.Elapsed.TotalMilliseconds} ms");
    }

    private sealed class ReadOne(Socket socket, EventLoop loop, ChannelWriter<(byte, bool)> seen) : ILoopWork
    {
        public void Execute()
        {
            var buffer = new byte[16];
            socket.Receive(buffer);
            seen.TryWrite((buffer[0], loop.IsOnLoop));
        }
    }
}
