using System.Runtime.InteropServices;

namespace PicoTalk.Service.Loop;

/// <summary>A unit of work that the loop runs. Preallocated work items (a datagram buffer, a media
/// pipeline) implement it so that posting them allocates nothing.</summary>
public interface ILoopWork
{
    void Execute();
}

/// <summary>
/// The one event loop that owns the daemon's state (STYLE.md 6). Network datagrams, captured audio
/// frames, timers and control commands are posted here and run one at a time on a dedicated thread,
/// so the session table, the call state machine and the encoder never need locks. It is passed in
/// to whoever needs it, never reached through a static.
/// </summary>
/// <remarks>
/// <para>
/// The loop sleeps in poll(2) on an eventfd and the descriptors it watches
/// (<see cref="WatchReadable"/>): the UDP socket is read here, on the loop, when it is readable, so a
/// datagram costs one thread wake-up rather than two (a receive thread, then the loop), and a post
/// from another thread writes the eventfd only when the loop is asleep. On a Raspberry Pi, and on a
/// virtual machine, a wake-up costs tens of microseconds: in a call that was a third of the daemon's
/// CPU in <c>./build.sh bench call</c>.
/// </para>
/// The queue is bounded: when the loop falls that far behind, <see cref="TryPost"/> refuses work
/// instead of letting a flood grow memory without limit. A throwing work item is logged and the loop
/// goes on: a crash in one call must not take the daemon down.
/// </remarks>
public sealed unsafe class EventLoop : IDisposable
{
    /// <summary>Work items run back to back before the loop looks at its descriptors again, so a
    /// queue that never empties cannot starve the socket.</summary>
    private const int WorkBetweenPolls = 16;

    /// <summary>The longest sleep: the loop wakes at least this often so the watchdog's
    /// <see cref="LastTurnTimestamp"/> stays fresh while idle.</summary>
    private const int MaxSleepMilliseconds = 1000;

    private readonly Queue<ILoopWork> _queue;
    private readonly int _capacity;
    private readonly object _gate = new();

    /// <summary>Timers kept by the loop (<see cref="OwnsTimers"/>); few, so a list scanned per turn.</summary>
    private readonly List<LoopTimer> _timers = new();
    private readonly Thread _thread;
    private readonly Thread? _manualOwner;
    private readonly Action<Exception> _onError;

    /// <summary>The eventfd that wakes a threaded loop; -1 for a manual one.</summary>
    private readonly int _wakeFd = -1;

    /// <summary>Descriptors watched, under the gate; <see cref="_pollSet"/> is rebuilt from them on change.</summary>
    private readonly List<Watch> _watches = new();

    /// <summary>What the loop polls: the eventfd first, then each watch (copied, so a change made
    /// while the loop sleeps does not move the array under it).</summary>
    private (LoopNative.PollFd[] Fds, Watch?[] Watches) _pollSet;
    private bool _stopping;

    /// <summary>Under the gate: the loop is (about to be) in poll, so a post must write the eventfd.</summary>
    private bool _sleeping;
    private long _lastTurnTimestamp;

    public EventLoop(TimeProvider time, Action<Exception> onError, int capacity = 4096)
        : this(time, onError, capacity, manual: false)
    {
    }

    private EventLoop(TimeProvider time, Action<Exception> onError, int capacity, bool manual)
    {
        Time = time;
        _onError = onError;
        _capacity = capacity;
        _queue = new Queue<ILoopWork>(capacity);
        _thread = new Thread(Run) { Name = "picotalk-loop", IsBackground = true };
        _lastTurnTimestamp = time.GetTimestamp();
        _manualOwner = manual ? Thread.CurrentThread : null;
        if (!manual)
        {
            _wakeFd = LoopNative.eventfd(0, LoopNative.EFD_NONBLOCK | LoopNative.EFD_CLOEXEC);
            if (_wakeFd < 0)
            {
                throw new IOException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        RebuildPollSet();
    }

    /// <summary>A loop with no thread of its own, for deterministic tests: the creating thread is the
    /// loop thread and runs queued work with <see cref="RunPending"/> (after advancing a fake clock).</summary>
    public static EventLoop CreateManual(TimeProvider time, Action<Exception> onError) =>
        new(time, onError, 1 << 16, manual: true);

    /// <summary>Manual loops only: runs queued work, including work queued meanwhile, until none is left.</summary>
    public int RunPending()
    {
        if (_manualOwner is null)
        {
            throw new InvalidOperationException("RunPending is for manual loops");
        }

        AssertOnLoop();
        int ran = 0;
        while (true)
        {
            ILoopWork work;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    return ran;
                }

                work = _queue.Dequeue();
            }

            try
            {
                work.Execute();
            }
            catch (Exception e)
            {
                _onError(e);
            }

            ran++;
        }
    }

    public TimeProvider Time { get; }

    /// <summary>Work refused because the queue was full.</summary>
    public long Overflows { get; private set; }

    /// <summary>A loop without a thread of its own (<see cref="CreateManual"/>): it runs work, but
    /// polls no descriptors.</summary>
    public bool IsManual => _manualOwner is not null;

    public bool IsOnLoop => Thread.CurrentThread == (_manualOwner ?? _thread);

    /// <summary>Timestamp (of <see cref="Time"/>) at which the loop last finished a work item or found
    /// its queue empty; the systemd watchdog pings only while this stays recent.</summary>
    public long LastTurnTimestamp => Interlocked.Read(ref _lastTurnTimestamp);

    public void Start()
    {
        if (_manualOwner is null)
        {
            _thread.Start();
        }
    }

    /// <summary>Throws when called off the loop: entry points that touch loop-owned state call this.</summary>
    public void AssertOnLoop()
    {
        if (!IsOnLoop)
        {
            throw new InvalidOperationException("called off the event loop");
        }
    }

    public bool TryPost(ILoopWork work)
    {
        bool wake;
        lock (_gate)
        {
            if (_stopping || _queue.Count >= _capacity)
            {
                Overflows++;
                return false;
            }

            _queue.Enqueue(work);
            wake = TakeSleeper();
        }

        if (wake)
        {
            Wake();
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="onReadable"/> on the loop whenever <paramref name="fd"/> is readable (or
    /// has an error to report) until the returned registration is disposed. Level-triggered: a
    /// handler that leaves data unread is called again on the next turn, which is how a handler
    /// bounds its work per turn. Threaded loops only.
    /// </summary>
    public IDisposable WatchReadable(int fd, ILoopWork onReadable)
    {
        if (_manualOwner is not null)
        {
            throw new InvalidOperationException("a manual loop does not poll descriptors");
        }

        var watch = new Watch(this, fd, onReadable);
        bool wake;
        lock (_gate)
        {
            _watches.Add(watch);
            RebuildPollSet();
            wake = TakeSleeper();
        }

        if (wake)
        {
            Wake();
        }

        return watch;
    }

    /// <summary>Posts a delegate (control plane only: it allocates).</summary>
    public bool Post(Action action) => TryPost(new ActionWork(action));

    /// <summary>Runs <paramref name="function"/> on the loop and completes with its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> function)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool posted = Post(() =>
        {
            try
            {
                completion.SetResult(function());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        });
        if (!posted)
        {
            completion.SetException(new InvalidOperationException("the event loop is stopping or overloaded"));
        }

        return completion.Task;
    }

    /// <summary>
    /// A timer whose callback runs on the loop. On the real clock the loop keeps the timer itself and
    /// sleeps until the earliest one is due: a 20 ms protocol tick then costs one wake-up of this
    /// thread, not three (the runtime's timer thread, a thread-pool worker, then the loop), which was
    /// a fifth of a call's CPU in <c>./build.sh bench call</c>. Any other clock (a test's fake one)
    /// fires the timer itself and the callback is posted here.
    /// <para>
    /// <paramref name="slack"/> lets a loop-owned timer run up to that much early when the loop is
    /// awake anyway (timer coalescing, like Linux's timer slack): in a call the loop wakes for every
    /// captured frame and every packet, and a protocol tick that rides along costs no wake-up of its
    /// own. The loop never sleeps past a timer's due time.
    /// </para>
    /// </summary>
    public ITimer CreateTimer(Action onLoop, TimeSpan dueTime, TimeSpan period, TimeSpan slack = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slack, TimeSpan.Zero);
        if (OwnsTimers)
        {
            var timer = new LoopTimer(this, onLoop, (long)(slack.TotalSeconds * Time.TimestampFrequency));
            timer.Change(dueTime, period);
            return timer;
        }

        var work = new ActionWork(onLoop);
        return Time.CreateTimer(static state => ((PostedTimerWork)state!).Post(), new PostedTimerWork(this, work), dueTime, period);
    }

    /// <summary>Loop-owned timers: only a threaded loop on the system clock can sleep until one is due.</summary>
    private bool OwnsTimers => _manualOwner is null && ReferenceEquals(Time, TimeProvider.System);

    private void Run()
    {
        int sinceLastPoll = 0;
        while (true)
        {
            ILoopWork? work = null;
            int sleep;
            (LoopNative.PollFd[] Fds, Watch?[] Watches) pollSet;
            lock (_gate)
            {
                long now = Time.GetTimestamp();
                int untilTimer = 0;
                // A due timer goes first, so a busy queue cannot starve protocol timers.
                if (!_stopping && TakeDueTimer(now, out untilTimer) is { } due)
                {
                    work = due;
                }
                else if (_queue.Count > 0 && sinceLastPoll < WorkBetweenPolls)
                {
                    work = _queue.Dequeue();
                }
                else if (_stopping && _queue.Count == 0)
                {
                    return;
                }

                if (work is not null)
                {
                    sleep = 0;
                    pollSet = _pollSet;
                }
                else
                {
                    // Nothing to run: sleep until a timer is due, a post, or a readable descriptor.
                    // Or a long run of queued work: look at the descriptors without sleeping.
                    sleep = _queue.Count > 0 || _stopping ? 0
                        : untilTimer < 0 ? MaxSleepMilliseconds : Math.Min(untilTimer, MaxSleepMilliseconds);
                    _sleeping = sleep != 0;
                    pollSet = _pollSet;
                    Interlocked.Exchange(ref _lastTurnTimestamp, now);
                }
            }

            if (work is not null)
            {
                RunSafely(work);
                sinceLastPoll++;
            }
            else
            {
                Poll(pollSet.Fds, pollSet.Watches, sleep);
                sinceLastPoll = 0;
            }

            Interlocked.Exchange(ref _lastTurnTimestamp, Time.GetTimestamp());
        }
    }

    /// <summary>One poll(2): sleeps up to <paramref name="sleep"/> ms, then runs the handler of each
    /// descriptor that became readable.</summary>
    private void Poll(LoopNative.PollFd[] fds, Watch?[] watches, int sleep)
    {
        int ready;
        fixed (LoopNative.PollFd* first = fds)
        {
            ready = LoopNative.poll(first, (nuint)fds.Length, sleep);
        }

        int errno = ready < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (sleep != 0)
        {
            lock (_gate)
            {
                _sleeping = false;
            }
        }

        if (ready <= 0)
        {
            if (ready < 0 && errno != LoopNative.EINTR)
            {
                // Never expected (EFAULT, EINVAL, ENOMEM); reported, and no spin: the next turn
                // sleeps again.
                _onError(new IOException($"poll failed: errno {errno}"));
                Thread.Sleep(10); // an error path, not a pacing mechanism
            }

            return;
        }

        for (int i = 0; i < fds.Length; i++)
        {
            short revents = fds[i].Revents;
            fds[i].Revents = 0;
            if (revents == 0)
            {
                continue;
            }

            if (watches[i] is not { } watch)
            {
                // The eventfd: reset its counter; the posts it announced are in the queue.
                ulong count;
                LoopNative.read(_wakeFd, &count, sizeof(ulong));
            }
            else if (!watch.Removed)
            {
                // POLLNVAL on a descriptor still registered means its owner closed it first: a bug
                // there, and the handler reports it when it reads.
                RunSafely(watch.Handler);
            }
        }
    }

    private void RunSafely(ILoopWork work)
    {
        try
        {
            work.Execute();
        }
        catch (Exception e)
        {
            _onError(e);
        }
    }

    /// <summary>Under the gate: whether the loop sleeps in poll and must be woken (it is then
    /// marked awake, so one eventfd write serves any number of posts).</summary>
    private bool TakeSleeper()
    {
        if (!_sleeping)
        {
            return false;
        }

        _sleeping = false;
        return true;
    }

    /// <summary>Wakes the loop from poll: adds one to the eventfd's counter.</summary>
    private void Wake()
    {
        ulong one = 1;
        // EAGAIN only if the counter would overflow, when the loop is certainly awake.
        LoopNative.write(_wakeFd, &one, sizeof(ulong));
    }

    /// <summary>Under the gate (or in the constructor): the poll set from <see cref="_watches"/>.</summary>
    private void RebuildPollSet()
    {
        int count = _wakeFd < 0 ? 0 : 1 + _watches.Count;
        var fds = new LoopNative.PollFd[count];
        var watches = new Watch?[count];
        if (count > 0)
        {
            fds[0] = new LoopNative.PollFd { Fd = _wakeFd, Events = LoopNative.POLLIN };
            for (int i = 0; i < _watches.Count; i++)
            {
                fds[i + 1] = new LoopNative.PollFd { Fd = _watches[i].Fd, Events = LoopNative.POLLIN };
                watches[i + 1] = _watches[i];
            }
        }

        _pollSet = (fds, watches);
    }

    /// <summary>Runs what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            _sleeping = false;
        }

        if (_wakeFd < 0)
        {
            return;
        }

        if (_thread.ThreadState.HasFlag(ThreadState.Unstarted))
        {
            LoopNative.close(_wakeFd);
            return;
        }

        Wake();
        // Closed only once the thread is gone: closing it under a poll could hand its number to
        // another descriptor. A loop stuck in a work item (or disposing itself) keeps it.
        if (!IsOnLoop && _thread.Join(TimeSpan.FromSeconds(5)))
        {
            LoopNative.close(_wakeFd);
        }
    }

    /// <summary>
    /// Under the gate: the earliest timer that may run at <paramref name="now"/> (due, or within its
    /// slack of being due), rescheduled for its next period; or null and how long until the earliest
    /// due time (rounded up to whole milliseconds, the resolution of poll).
    /// </summary>
    private LoopTimer? TakeDueTimer(long now, out int waitMilliseconds)
    {
        LoopTimer? earliest = null, runnable = null;
        foreach (var timer in _timers)
        {
            if (earliest is null || timer.DueTimestamp < earliest.DueTimestamp)
            {
                earliest = timer;
            }

            if (timer.DueTimestamp - timer.SlackTicks <= now && (runnable is null || timer.DueTimestamp < runnable.DueTimestamp))
            {
                runnable = timer;
            }
        }

        if (runnable is not null)
        {
            waitMilliseconds = 0;
            runnable.Fired(now);
            return runnable;
        }

        if (earliest is null)
        {
            waitMilliseconds = Timeout.Infinite;
            return null;
        }

        long remaining = earliest.DueTimestamp - now;
        if (remaining > 0)
        {
            waitMilliseconds = (int)Math.Min(int.MaxValue, (remaining * 1000 + Time.TimestampFrequency - 1) / Time.TimestampFrequency);
            return null;
        }

        waitMilliseconds = 0;
        earliest.Fired(now);
        return earliest;
    }

    /// <summary>A timer kept in <see cref="_timers"/> while armed; Change and Dispose may come from any thread.</summary>
    private sealed class LoopTimer(EventLoop loop, Action onLoop, long slackTicks) : ITimer, ILoopWork
    {
        private long _periodTicks;

        /// <summary>How early the timer may run when the loop is awake anyway.</summary>
        public long SlackTicks => slackTicks;

        public long DueTimestamp { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool wake;
            lock (loop._gate)
            {
                loop._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
                DueTimestamp = loop.Time.GetTimestamp() + ToTicks(dueTime);
                _periodTicks = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : ToTicks(period);
                loop._timers.Add(this);
                wake = loop.TakeSleeper();
            }

            if (wake)
            {
                loop.Wake(); // to sleep until the new due time instead of the old one
            }

            return true;
        }

        /// <summary>Under the gate: the next due time, or disarmed when one-shot. A loop that fell a
        /// whole period behind skips the missed ticks instead of firing them back to back.</summary>
        public void Fired(long now)
        {
            if (_periodTicks == 0)
            {
                loop._timers.Remove(this);
                return;
            }

            DueTimestamp += _periodTicks;
            if (DueTimestamp <= now)
            {
                DueTimestamp = now + _periodTicks;
            }
        }

        public void Execute() => onLoop();

        public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * loop.Time.TimestampFrequency);
    }

    /// <summary>A descriptor the loop polls; disposing it stops the handler being called.</summary>
    private sealed class Watch(EventLoop loop, int fd, ILoopWork handler) : IDisposable
    {
        public int Fd => fd;

        public ILoopWork Handler => handler;

        /// <summary>Set by Dispose; the loop may still hold a poll set with this descriptor in it.</summary>
        public volatile bool Removed;

        public void Dispose()
        {
            lock (loop._gate)
            {
                if (Removed)
                {
                    return;
                }

                Removed = true;
                loop._watches.Remove(this);
                loop.RebuildPollSet();
            }
        }
    }

    private sealed class ActionWork(Action action) : ILoopWork
    {
        public void Execute() => action();
    }

    private sealed class PostedTimerWork(EventLoop loop, ILoopWork work)
    {
        public void Post() => loop.TryPost(work);
    }
}
