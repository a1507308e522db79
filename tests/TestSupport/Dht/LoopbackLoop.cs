using System.Collections.Concurrent;
using System.Diagnostics;

namespace PicoTalk.TestSupport.Dht;

/// <summary>
/// The one thread that owns every node of a <see cref="LoopbackSwarm"/> (a DhtNode is
/// single-threaded, STYLE.md 6): it runs posted work, delivers received datagrams in arrival order,
/// and every <see cref="TickInterval"/> runs the tick (the swarm polls its nodes) and checks the
/// conditions tests wait on. Socket completions only enqueue and wake it.
/// </summary>
internal sealed class LoopbackLoop : IDisposable
{
    /// <summary>Datagrams delivered between two looks at the clock, so ticks stay on time under load.</summary>
    private const int MaxDeliveriesPerTurn = 256;

    private readonly ConcurrentQueue<LoopbackSocket> _received = new();
    private readonly Queue<LoopbackSocket> _receivedOnLoop = new();
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly List<Waiter> _waiters = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Action _tick;
    private readonly TimeProvider _time;
    private readonly long _tickTimestamps;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private Exception? _fault;

    public LoopbackLoop(Action tick, TimeSpan tickInterval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tickInterval, TimeSpan.Zero);
        _tick = tick ?? throw new ArgumentNullException(nameof(tick));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        TickInterval = tickInterval;
        _tickTimestamps = Math.Max(1, (long)(tickInterval.TotalSeconds * time.TimestampFrequency));
        _thread = new Thread(Run) { Name = "loopback-swarm", IsBackground = true };
    }

    public TimeSpan TickInterval { get; }

    /// <summary>Datagrams delivered so far.</summary>
    public long Delivered { get; private set; }

    /// <summary>What stopped the loop, if anything threw on it (a bug in a node or a callback).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    public void Start() => _thread.Start();

    public void AssertOnLoop()
    {
        if (Thread.CurrentThread != _thread)
        {
            throw new InvalidOperationException("a loopback swarm's nodes are used only on its loop thread; use InvokeAsync");
        }
    }

    /// <summary>From any thread: runs <paramref name="work"/> on the loop.</summary>
    public void Post(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work.Enqueue(work);
        _wake.Set();
    }

    /// <summary>From any thread: the value of <paramref name="read"/> computed on the loop.</summary>
    public Task<T> InvokeAsync<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                done.TrySetResult(read());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>
    /// From any thread: completes when <paramref name="condition"/> (evaluated on the loop at each
    /// tick) holds; fails with <see cref="TimeoutException"/> naming <paramref name="what"/> after
    /// <paramref name="timeout"/>.
    /// </summary>
    public Task WhenAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var waiter = new Waiter(condition, what, timeout,
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Post(() =>
        {
            waiter.Deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            _waiters.Add(waiter);
        });
        return waiter.Done.Task;
    }

    /// <summary>A receive completed on a socket thread: queue the socket for the loop.</summary>
    public void OnReceived(LoopbackSocket socket)
    {
        // Closing the sockets at disposal completes their receives (aborted) after the loop stopped.
        if (_stopping)
        {
            return;
        }

        _received.Enqueue(socket);
        _wake.Set();
    }

    /// <summary>A receive completed at once, on the loop: queued behind the others.</summary>
    public void OnReceivedOnLoop(LoopbackSocket socket) => _receivedOnLoop.Enqueue(socket);

    private void Run()
    {
        long nextTick = _time.GetTimestamp();
        try
        {
            while (!_stopping)
            {
                long now = _time.GetTimestamp();
                if (now >= nextTick)
                {
                    nextTick = now + _tickTimestamps;
                    _tick();
                    CheckWaiters(now);
                }

                bool busy = RunPosted() | DeliverSome();
                if (!busy)
                {
                    _wake.Reset();
                    if (_work.IsEmpty && _received.IsEmpty && _receivedOnLoop.Count == 0)
                    {
                        long wait = (nextTick - _time.GetTimestamp()) * 1000 / _time.TimestampFrequency;
                        _wake.Wait((int)Math.Clamp(wait, 1, 1000));
                    }
                }
            }
        }
        catch (Exception e)
        {
            // A node or a callback threw on the loop: stop, and fail everything still waiting.
            Volatile.Write(ref _fault, e);
            _stopping = true;
            foreach (var waiter in _waiters)
            {
                waiter.Done.TrySetException(new InvalidOperationException("the loopback swarm's loop failed", e));
            }
        }
    }

    private bool RunPosted()
    {
        bool any = false;
        while (_work.TryDequeue(out var work))
        {
            work();
            any = true;
        }

        return any;
    }

    private bool DeliverSome()
    {
        int delivered = 0;
        while (delivered < MaxDeliveriesPerTurn
               && (_receivedOnLoop.TryDequeue(out var socket) || _received.TryDequeue(out socket)))
        {
            socket.Deliver();
            delivered++;
        }

        Delivered += delivered;
        return delivered > 0;
    }

    private void CheckWaiters(long now)
    {
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            var waiter = _waiters[i];
            if (waiter.Condition())
            {
                waiter.Done.TrySetResult();
            }
            else if (now >= waiter.Deadline)
            {
                waiter.Done.TrySetException(new TimeoutException(
                    $"loopback swarm: {waiter.What} did not happen within {waiter.Timeout.TotalSeconds:F0} s"));
            }
            else
            {
                continue;
            }

            _waiters.RemoveAt(i);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            // The loop notices within one turn; the bound only keeps a wedged node from hanging disposal.
            _thread.Join(TimeSpan.FromSeconds(10));
        }

        foreach (var waiter in _waiters)
        {
            waiter.Done.TrySetCanceled();
        }

        Debug.Assert(!_thread.IsAlive, "the loopback loop did not stop");
        // _wake is not disposed: a socket thread may still Set it while the sockets close, and a
        // ManualResetEventSlim that never handed out its WaitHandle holds nothing to release.
    }

    private sealed class Waiter(Func<bool> condition, string what, TimeSpan timeout, TaskCompletionSource done)
    {
        public Func<bool> Condition { get; } = condition;

        public string What { get; } = what;

        public TimeSpan Timeout { get; } = timeout;

        public TaskCompletionSource Done { get; } = done;

        public long Deadline { get; set; }
    }
}
