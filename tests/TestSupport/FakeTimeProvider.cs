namespace PicoTalk.TestSupport;

/// <summary>
/// A clock that moves only when a test advances it (STYLE.md 7). It starts at a random instant so
/// that no code can depend on time starting at zero, and fires due timers synchronously, in due
/// order, on the thread that calls <see cref="Advance"/>.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<FakeTimer> _timers = new();
    private DateTimeOffset _now;
    private long _timestamp;

    public FakeTimeProvider(int? seed = null)
    {
        var random = seed is { } s ? new Random(s) : Random.Shared;
        // Somewhere in 2020..2040, at a random tick, with a random monotonic origin.
        _now = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)
            + TimeSpan.FromTicks(random.NextInt64(TimeSpan.FromDays(365 * 20).Ticks));
        _timestamp = random.NextInt64(1L << 40);
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>Monotonic timestamp in ticks of <see cref="TimeSpan"/> (100 ns).</summary>
    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _timestamp;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves time forward by <paramref name="delta"/>, firing every timer that falls due, each
    /// at its own due time (so a callback that reads the clock sees the instant it was due).</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (_gate)
        {
            target = _timestamp + delta.Ticks;
        }

        while (true)
        {
            FakeTimer? next = null;
            lock (_gate)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueTimestamp is { } due && due <= target && (next is null || due < next.DueTimestamp))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now += TimeSpan.FromTicks(target - _timestamp);
                    _timestamp = target;
                    return;
                }

                long dueAt = next.DueTimestamp!.Value;
                _now += TimeSpan.FromTicks(dueAt - _timestamp);
                _timestamp = dueAt;
                next.Reschedule(_timestamp);
            }

            next.Fire();
        }
    }

    /// <summary>Advances in steps of <paramref name="step"/>, so code polled between steps sees each one.</summary>
    public void AdvanceInSteps(TimeSpan total, TimeSpan step, Action? afterEachStep = null)
    {
        for (var done = TimeSpan.Zero; done < total; done += step)
        {
            Advance(step);
            afterEachStep?.Invoke();
        }
    }

    public int ActiveTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueTimestamp is not null);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void Remove(FakeTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer : ITimer
    {
        private readonly FakeTimeProvider _owner;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private long _periodTicks;

        public FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state)
        {
            _owner = owner;
            _callback = callback;
            _state = state;
        }

        public long? DueTimestamp { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_owner._gate)
            {
                _periodTicks = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
                DueTimestamp = dueTime == Timeout.InfiniteTimeSpan ? null : _owner._timestamp + Math.Max(0, dueTime.Ticks);
            }

            return true;
        }

        /// <summary>Called under the owner's lock when the timer fires.</summary>
        public void Reschedule(long now) => DueTimestamp = _periodTicks > 0 ? now + _periodTicks : null;

        public void Fire() => _callback(_state);

        public void Dispose()
        {
            lock (_owner._gate)
            {
                DueTimestamp = null;
            }

            _owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
