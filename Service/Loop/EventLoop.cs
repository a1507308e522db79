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
/// The queue is bounded: when the loop falls that far behind, <see cref="TryPost"/> refuses work
/// instead of letting a flood grow memory without limit. A throwing work item is logged and the loop
/// goes on: a crash in one call must not take the daemon down.
/// </remarks>
public sealed class EventLoop : IDisposable
{
    private readonly Queue<ILoopWork> _queue;
    private readonly int _capacity;
    private readonly object _gate = new();

    /// <summary>Timers kept by the loop (<see cref="OwnsTimers"/>); few, so a list scanned per turn.</summary>
    private readonly List<LoopTimer> _timers = new();
    private readonly Thread _thread;
    private readonly Thread? _manualOwner;
    private readonly Action<Exception> _onError;
    private bool _stopping;
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
        lock (_gate)
        {
            if (_stopping || _queue.Count >= _capacity)
            {
                Overflows++;
                return false;
            }

            _queue.Enqueue(work);
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_gate);
            }

            return true;
        }
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
    /// </summary>
    public ITimer CreateTimer(Action onLoop, TimeSpan dueTime, TimeSpan period)
    {
        if (OwnsTimers)
        {
            var timer = new LoopTimer(this, onLoop);
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
        while (true)
        {
            ILoopWork work;
            lock (_gate)
            {
                while (true)
                {
                    long now = Time.GetTimestamp();
                    // A due timer goes first, so a busy queue cannot starve protocol timers.
                    if (TakeDueTimer(now, out int waitMilliseconds) is { } due && !_stopping)
                    {
                        work = due;
                        break;
                    }

                    if (_queue.Count > 0)
                    {
                        work = _queue.Dequeue();
                        break;
                    }

                    if (_stopping)
                    {
                        return;
                    }

                    Interlocked.Exchange(ref _lastTurnTimestamp, now);
                    // Wake up now and then even when idle, so the watchdog timestamp stays fresh.
                    Monitor.Wait(_gate, Math.Min(waitMilliseconds, 1000));
                }
            }

            try
            {
                work.Execute();
            }
            catch (Exception e)
            {
                _onError(e);
            }

            Interlocked.Exchange(ref _lastTurnTimestamp, Time.GetTimestamp());
        }
    }

    /// <summary>Runs what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        if (_thread.IsAlive && !IsOnLoop)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>
    /// Under the gate: the earliest timer that is due at <paramref name="now"/>, rescheduled for its
    /// next period, or null and how long until the earliest one (rounded up to whole milliseconds,
    /// the resolution of Monitor.Wait).
    /// </summary>
    private LoopTimer? TakeDueTimer(long now, out int waitMilliseconds)
    {
        LoopTimer? earliest = null;
        foreach (var timer in _timers)
        {
            if (earliest is null || timer.DueTimestamp < earliest.DueTimestamp)
            {
                earliest = timer;
            }
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
    private sealed class LoopTimer(EventLoop loop, Action onLoop) : ITimer, ILoopWork
    {
        private long _periodTicks;

        public long DueTimestamp { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
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
                Monitor.Pulse(loop._gate);
                return true;
            }
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

    private sealed class ActionWork(Action action) : ILoopWork
    {
        public void Execute() => action();
    }

    private sealed class PostedTimerWork(EventLoop loop, ILoopWork work)
    {
        public void Post() => loop.TryPost(work);
    }
}
