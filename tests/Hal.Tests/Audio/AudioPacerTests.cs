using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Audio;

public class AudioPacerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void Each_period_of_fake_time_releases_exactly_one_wait()
    {
        var time = new FakeTimeProvider(seed: 1);
        using var pacer = new AudioPacer(time, Period);
        using var worker = new PacedWorker(pacer);

        for (int i = 1; i <= 25; i++)
        {
            worker.WaitUntilBlocked(time, i - 1);
            time.Advance(Period - TimeSpan.FromTicks(1));
            Assert.Equal(i - 1, worker.Completed); // the timer did not fire: nothing was released
            Assert.Equal(1, time.ActiveTimerCount);
            time.Advance(TimeSpan.FromTicks(1));
            worker.WaitUntilBlocked(time, i);
        }

        Assert.Equal(0, pacer.SkippedPeriods);
    }

    [Fact]
    public void Deadlines_count_from_the_start_so_late_wakeups_do_not_drift()
    {
        var time = new FakeTimeProvider(seed: 2);
        using var pacer = new AudioPacer(time, Period);

        // The consumer asks 7 ms after every deadline (a slow consumer): each wait returns at once.
        time.Advance(Period + TimeSpan.FromMilliseconds(7));
        Assert.True(pacer.WaitNext());
        for (int n = 2; n <= 10; n++)
        {
            time.Advance(Period);
            Assert.True(pacer.WaitNext());
        }

        // Now 207 ms after the start. The next deadline is start + 220 ms (13 ms away), not the
        // last wake-up + 20 ms (20 ms away), which is where a relative pacer would drift to.
        using var worker = new PacedWorker(pacer);
        worker.WaitUntilBlocked(time, 0);
        time.Advance(TimeSpan.FromMilliseconds(13));
        worker.WaitUntilBlocked(time, 1);
        Assert.Equal(0, pacer.SkippedPeriods);
        Assert.Equal(11, pacer.Periods);
    }

    [Fact]
    public void A_late_consumer_catches_up_a_few_periods_at_once()
    {
        var time = new FakeTimeProvider(seed: 3);
        using var pacer = new AudioPacer(time, Period);
        time.Advance(Period * 3); // three periods elapse before the consumer asks

        Assert.True(pacer.WaitNext());
        Assert.True(pacer.WaitNext());
        Assert.True(pacer.WaitNext()); // all three were due: none blocked
        Assert.Equal(0, pacer.SkippedPeriods);
        Assert.Equal(3, pacer.Periods);
    }

    [Fact]
    public void A_consumer_far_behind_skips_ahead_instead_of_bursting()
    {
        var time = new FakeTimeProvider(seed: 4);
        using var pacer = new AudioPacer(time, Period);
        time.Advance(Period * 50 + TimeSpan.FromMilliseconds(5));

        Assert.True(pacer.WaitNext()); // returns at once with the latest period
        Assert.Equal(49, pacer.SkippedPeriods);
        Assert.Equal(50, pacer.Periods);

        using var worker = new PacedWorker(pacer);
        worker.WaitUntilBlocked(time, 0); // the next one waits for its deadline again
        time.Advance(TimeSpan.FromMilliseconds(15));
        worker.WaitUntilBlocked(time, 1);
    }

    [Fact]
    public void Dispose_unblocks_a_waiter_and_later_waits_return_false()
    {
        var time = new FakeTimeProvider(seed: 5);
        var pacer = new AudioPacer(time, Period);
        bool? result = null;
        var thread = new Thread(() => result = pacer.WaitNext()) { Name = "pacer waiter" };
        thread.Start();
        Waits.Until(() => time.ActiveTimerCount == 1, "the waiter armed the timer");

        pacer.Dispose();
        Waits.Join(thread);
        Assert.False(result);
        Assert.False(pacer.WaitNext());
        Assert.Equal(0, time.ActiveTimerCount);
        pacer.Dispose();
    }

    [Fact]
    public void Waiting_allocates_nothing()
    {
        var time = new FakeTimeProvider(seed: 6);
        using var pacer = new AudioPacer(time, Period);
        long allocated = -1;
        var thread = new Thread(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                pacer.WaitNext();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                pacer.WaitNext();
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { Name = "pacer consumer" };
        thread.Start();

        for (int i = 0; i < 1100; i++)
        {
            Waits.Until(() => time.ActiveTimerCount == 1, "the consumer waits");
            time.Advance(Period);
        }

        Waits.Join(thread);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Real_clock_paces_in_real_time()
    {
        // The only real-time test: it checks the system timer path (1 ms rounding) by counting, not
        // by sleeping: 10 periods of 10 ms cannot finish in less than 100 ms.
        using var pacer = new AudioPacer(TimeProvider.System, TimeSpan.FromMilliseconds(10));
        long start = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < 10; i++)
        {
            Assert.True(pacer.WaitNext());
        }

        Assert.True(TimeProvider.System.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(99));
    }

    [Fact]
    public void Real_clock_waiter_is_woken_by_dispose_long_before_its_deadline()
    {
        // The system clock path waits on the consumer's own thread, not on a timer: Dispose must
        // still end that wait at once rather than when the (here one minute) period is over.
        var pacer = new AudioPacer(TimeProvider.System, TimeSpan.FromMinutes(1));
        bool? result = null;
        var thread = new Thread(() => result = pacer.WaitNext()) { Name = "pacer waiter" };
        long start = TimeProvider.System.GetTimestamp();
        thread.Start();
        Waits.Until(() => thread.ThreadState.HasFlag(ThreadState.WaitSleepJoin), "the waiter blocks");

        pacer.Dispose();
        Waits.Join(thread);
        Assert.False(result);
        Assert.True(TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(30));
        Assert.False(pacer.WaitNext());
    }

    [Fact]
    public void Real_clock_waiting_allocates_nothing()
    {
        using var pacer = new AudioPacer(TimeProvider.System, TimeSpan.FromMilliseconds(2));
        for (int i = 0; i < 5; i++)
        {
            pacer.WaitNext();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            Assert.True(pacer.WaitNext());
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_periods_are_refused()
    {
        var time = new FakeTimeProvider(seed: 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioPacer(time, TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => new AudioPacer(null!, Period));
    }

    /// <summary>Calls WaitNext in a loop on its own thread and counts the periods it got.</summary>
    private sealed class PacedWorker : IDisposable
    {
        private readonly AudioPacer _pacer;
        private readonly Thread _thread;
        private int _completed;

        public PacedWorker(AudioPacer pacer, Action? onTick = null)
        {
            _pacer = pacer;
            _thread = new Thread(() =>
            {
                while (pacer.WaitNext())
                {
                    onTick?.Invoke();
                    Interlocked.Increment(ref _completed);
                }
            }) { Name = "paced worker", IsBackground = true };
            _thread.Start();
        }

        public int Completed => Volatile.Read(ref _completed);

        /// <summary>Waits until the worker has had <paramref name="count"/> periods and blocks on the next.</summary>
        public void WaitUntilBlocked(FakeTimeProvider time, int count)
        {
            Waits.Until(() => Completed == count && time.ActiveTimerCount == 1, $"{count} periods and a wait");
            Assert.Equal(count, Completed);
        }

        public void Dispose()
        {
            _pacer.Dispose();
            Waits.Join(_thread);
        }
    }
}
