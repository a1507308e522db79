namespace PicoTalk.Hal.Gpio;

/// <summary>
/// A GPIO chip in memory (STYLE.md 9), for development (<c>--gpio sim</c>, <c>picotalk press</c>) and
/// tests. It behaves like the kernel's chip where the daemon can tell: an input edge is queued only
/// when a requested line's level changes; each input request has a descriptor (an eventfd, eventfd(2))
/// that a real poll(2) sees readable while edges wait; a line can be requested once at a time (EBUSY
/// otherwise). Outputs record every change with the <see cref="TimeProvider"/>'s timestamp.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="Press"/> may come from any thread (a control-socket handler, a test),
/// reads from the daemon's loop. Levels are logical (already "active"/"inactive"); the options'
/// active-low and pull-up describe wiring the simulation does not have, so they change nothing.
/// Disposing the chip does not release its requests, as closing a chip's fd does not (the kernel's
/// line requests hold their own fds).
/// </remarks>
public sealed class SimulatedGpioChip : IGpioChip
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<int, bool> _inputLevels = new();
    private readonly Dictionary<int, SimulatedInputs> _inputOwners = new();
    private readonly Dictionary<int, bool> _outputLevels = new();
    private readonly HashSet<int> _requestedOutputs = new();
    private readonly List<(int Line, bool Active, long Timestamp)> _outputHistory = new();

    public SimulatedGpioChip(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public string Description => GpioChips.Simulated;

    /// <summary>Sets input <paramref name="line"/> active (a button pressed).</summary>
    public void Press(int line) => SetInput(line, active: true);

    /// <summary>Sets input <paramref name="line"/> inactive (a button released).</summary>
    public void Release(int line) => SetInput(line, active: false);

    /// <summary>Sets the logical level of input <paramref name="line"/>. When the level changes and the
    /// line is requested, an edge is queued on its request and the request's descriptor turns readable.
    /// A line not requested keeps the level, which a later request reads.</summary>
    public void SetInput(int line, bool active)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        lock (_gate)
        {
            bool was = _inputLevels.GetValueOrDefault(line);
            _inputLevels[line] = active;
            if (was != active && _inputOwners.TryGetValue(line, out var owner))
            {
                owner.Enqueue(new GpioEdge(line, active, TimestampNs()));
            }
        }
    }

    /// <summary>The level an output line was last set to; false for a line never set.</summary>
    public bool IsOutputActive(int line)
    {
        lock (_gate)
        {
            return _outputLevels.GetValueOrDefault(line);
        }
    }

    /// <summary>Every change of an output's level, in order. <c>Timestamp</c> is the chip's
    /// <see cref="TimeProvider.GetTimestamp"/> at the change (compare it with that clock's timestamps).
    /// A copy, taken when read.</summary>
    public IReadOnlyList<(int Line, bool Active, long Timestamp)> OutputHistory
    {
        get
        {
            lock (_gate)
            {
                return _outputHistory.ToArray();
            }
        }
    }

    public IGpioInputs RequestInputs(IReadOnlyList<int> lines, GpioInputOptions options, string consumer)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(consumer);
        GpioLineRequests.Validate(lines);
        lock (_gate)
        {
            foreach (int line in lines)
            {
                ThrowIfBusy(line, consumer);
            }

            var inputs = new SimulatedInputs(this, lines.ToArray());
            foreach (int line in lines)
            {
                _inputOwners[line] = inputs;
            }

            return inputs;
        }
    }

    public IGpioOutput RequestOutput(int line, bool activeLow, string consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        GpioLineRequests.Validate([line]);
        lock (_gate)
        {
            ThrowIfBusy(line, consumer);
            _requestedOutputs.Add(line);
            SetOutputLocked(line, false);
            return new SimulatedOutput(this, line);
        }
    }

    /// <summary>Nothing to release: requests are independent of the chip (see remarks).</summary>
    public void Dispose()
    {
    }

    private void ThrowIfBusy(int line, string consumer)
    {
        if (_inputOwners.ContainsKey(line) || _requestedOutputs.Contains(line))
        {
            throw new IOException($"GPIO chip sim, line {line} (consumer '{consumer}'): line already requested (EBUSY)");
        }
    }

    private long TimestampNs() => GpioLineRequests.ToNanoseconds(_time.GetTimestamp(), _time.TimestampFrequency);

    private void SetOutputLocked(int line, bool active)
    {
        bool was = _outputLevels.GetValueOrDefault(line);
        _outputLevels[line] = active;
        if (was != active)
        {
            _outputHistory.Add((line, active, _time.GetTimestamp()));
        }
    }

    private sealed class SimulatedInputs : IGpioInputs
    {
        private readonly SimulatedGpioChip _chip;
        private readonly int[] _lines;
        private readonly Queue<GpioEdge> _edges = new();
        private int _eventFd;

        public SimulatedInputs(SimulatedGpioChip chip, int[] lines)
        {
            _chip = chip;
            _lines = lines;
            _eventFd = GpioNative.EventFd(0, GpioNative.EFD_NONBLOCK | GpioNative.EFD_CLOEXEC);
            if (_eventFd < 0)
            {
                throw GpioNative.Error($"GPIO chip sim, lines {string.Join(",", lines)}: eventfd");
            }
        }

        public int PollDescriptor
        {
            get
            {
                lock (_chip._gate)
                {
                    ObjectDisposedException.ThrowIf(_eventFd < 0, this);
                    return _eventFd;
                }
            }
        }

        /// <summary>Called under the chip's lock.</summary>
        public unsafe void Enqueue(GpioEdge edge)
        {
            _edges.Enqueue(edge);
            ulong one = 1;
            // The eventfd's counter goes above zero: poll(2) reports POLLIN until ReadEdges drains it.
            if (GpioNative.Write(_eventFd, &one, sizeof(ulong)) != sizeof(ulong))
            {
                throw GpioNative.Error($"GPIO chip sim, line {edge.Line}: eventfd write");
            }
        }

        public unsafe int ReadEdges(Span<GpioEdge> into)
        {
            lock (_chip._gate)
            {
                ObjectDisposedException.ThrowIf(_eventFd < 0, this);
                int count = 0;
                while (count < into.Length && _edges.TryDequeue(out var edge))
                {
                    into[count++] = edge;
                }

                if (_edges.Count == 0)
                {
                    // Reading an eventfd returns its counter and resets it to zero, so poll stops
                    // reporting it readable; EAGAIN means it was zero already (eventfd(2)).
                    ulong counter;
                    _ = GpioNative.Read(_eventFd, &counter, sizeof(ulong));
                }

                return count;
            }
        }

        public bool IsActive(int line)
        {
            lock (_chip._gate)
            {
                ObjectDisposedException.ThrowIf(_eventFd < 0, this);
                if (Array.IndexOf(_lines, line) < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(line), line, $"line {line} is not in this request ({string.Join(",", _lines)})");
                }

                return _chip._inputLevels.GetValueOrDefault(line);
            }
        }

        public void Dispose()
        {
            lock (_chip._gate)
            {
                if (_eventFd < 0)
                {
                    return;
                }

                foreach (int line in _lines)
                {
                    _chip._inputOwners.Remove(line);
                }

                GpioNative.CloseQuietly(_eventFd);
                _eventFd = -1;
                _edges.Clear();
            }
        }
    }

    private sealed class SimulatedOutput : IGpioOutput
    {
        private readonly SimulatedGpioChip _chip;
        private readonly int _line;
        private bool _disposed;

        public SimulatedOutput(SimulatedGpioChip chip, int line)
        {
            _chip = chip;
            _line = line;
        }

        public bool IsActive => _chip.IsOutputActive(_line);

        public void Set(bool active)
        {
            lock (_chip._gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _chip.SetOutputLocked(_line, active);
            }
        }

        /// <summary>Releases the line; its level stays as last set, as a released kernel line's does.</summary>
        public void Dispose()
        {
            lock (_chip._gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _chip._requestedOutputs.Remove(_line);
                }
            }
        }
    }
}
