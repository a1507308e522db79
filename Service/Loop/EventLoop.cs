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

    /// <summary>A timer whose callback runs on the loop (the TimeProvider fires it elsewhere).</summary>
    public ITimer CreateTimer(Action onLoop, TimeSpan dueTime, TimeSpan period)
    {
        var work = new ActionWork(onLoop);
        return Time.CreateTimer(static state => ((PostedTimerWork)state!).Post(), new PostedTimerWork(this, work), dueTime, period);
    }

    private void Run()
    {
        while (true)
        {
            ILoopWork work;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Interlocked.Exchange(ref _lastTurnTimestamp, Time.GetTimestamp());
                    // Wake up now and then even when idle, so the watchdog timestamp stays fresh.
                    Monitor.Wait(_gate, 1000);
                }

                if (_queue.Count == 0)
                {
                    return;
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

    private sealed class ActionWork(Action action) : ILoopWork
    {
        public void Execute() => action();
    }

    private sealed class PostedTimerWork(EventLoop loop, ILoopWork work)
    {
        public void Post() => loop.TryPost(work);
    }
}
