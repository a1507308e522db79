namespace PicoTalk.Protocol.Media;

/// <summary>
/// Puts received Opus packets back in sequence order and hands out one per frame period.
/// </summary>
/// <remarks>
/// Packets are keyed by the 32-bit media sequence number (DESIGN.md "Session layer": the sequence
/// drives reordering and loss detection), compared with serial-number arithmetic (RFC 1982 §3.2)
/// so the stream survives the wrap from 0xFFFFFFFF to 0. Slots form a ring whose head is the
/// playout point: slot (head + (seq - next)) mod capacity holds seq, so any capacity works and
/// nothing is allocated per packet.
/// <code>
///          first Insert               newest - next >= target
///   Idle ───────────────▶ Buffering ──────────────────────────▶ Playing
///    ▲                       ▲                                    │
///    │                       └──── Insert far ahead: Resynced ────┤
///    └──────── stopAfterMissingFrames concealed in a row ─────────┘
/// </code>
/// Callers see Idle and Buffering alike as <see cref="PlayoutAction.Buffering"/>.
/// Not thread-safe: <see cref="ReceiveStream"/> wraps it in a lock.
/// </remarks>
public sealed class JitterBuffer
{
    private enum State
    {
        Idle,
        Buffering,
        Playing,
    }

    private const int Empty = -1;

    private readonly int _capacity;
    private readonly int _maxPayload;
    private readonly int _stopAfterMissing;
    private readonly IPlayoutPolicy _policy;
    private readonly byte[] _data;
    private readonly int[] _lengths;

    private State _state;
    private uint _next;       // the sequence number due at the next Next()
    private int _head;        // the slot of _next
    private uint _highest;    // the newest sequence number stored (serial order)
    private int _missingRun;  // consecutive concealed frames

    private long _received;
    private long _played;
    private long _concealed;
    private long _fec;
    private long _late;
    private long _duplicates;
    private long _tooLarge;
    private long _resyncs;
    private long _dropped;
    private long _stops;

    /// <param name="capacityFrames">Slots; a packet further ahead of the playout point than this resyncs.</param>
    /// <param name="maxPayload">Largest payload kept; larger ones are refused as <see cref="InsertResult.TooLarge"/>.</param>
    /// <param name="targetDelayFrames">Frames queued beyond the first before playout starts (fixed policy).</param>
    /// <param name="stopAfterMissingFrames">Concealed frames in a row after which the stream counts as stopped
    /// and the buffer starts afresh (default: 5 s of 20 ms frames).</param>
    public JitterBuffer(
        int capacityFrames = MediaConstants.DefaultJitterCapacityFrames,
        int maxPayload = MediaConstants.MaxPacketBytes,
        int targetDelayFrames = MediaConstants.DefaultTargetDelayFrames,
        int stopAfterMissingFrames = MediaConstants.StreamStopMilliseconds / MediaConstants.DefaultFrameMilliseconds)
        : this(capacityFrames, maxPayload, DefaultPolicy(capacityFrames, targetDelayFrames), stopAfterMissingFrames)
    {
    }

    public JitterBuffer(int capacityFrames, int maxPayload, IPlayoutPolicy policy, int stopAfterMissingFrames)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityFrames, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayload, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stopAfterMissingFrames, 1);
        if (policy.MaxDelayFrames >= capacityFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy.MaxDelayFrames, $"the policy's MaxDelayFrames must be below capacityFrames ({capacityFrames})");
        }

        _capacity = capacityFrames;
        _maxPayload = maxPayload;
        _policy = policy;
        _stopAfterMissing = stopAfterMissingFrames;
        _data = new byte[capacityFrames * maxPayload];
        _lengths = new int[capacityFrames];
        Array.Fill(_lengths, Empty);
    }

    public int MaxPayload => _maxPayload;

    /// <summary>True while waiting for the first frames (or again after a stop or resync).</summary>
    public bool IsBuffering => _state != State.Playing;

    /// <summary>Frames from the playout point to the newest one queued (0 when nothing is ahead).</summary>
    public int DepthFrames => _state == State.Idle ? 0 : Math.Max(0, Serial(_highest, _next) + 1);

    public JitterBufferStats Stats => new(
        _received, _played, _concealed, _fec, _late, _duplicates, _tooLarge, _resyncs, _dropped, _stops, DepthFrames);

    /// <summary>Stores a received packet. Never throws on what the network sends.</summary>
    public InsertResult Insert(uint sequence, ReadOnlySpan<byte> payload)
    {
        InsertResult result = InsertCore(sequence, payload);
        _policy.OnInsert(result, DepthFrames);
        return result;
    }

    /// <summary>
    /// Called once per frame period. <paramref name="payload"/> must hold <see cref="MaxPayload"/> bytes.
    /// For <see cref="PlayoutAction.Play"/> it receives the frame due; for <see cref="PlayoutAction.Fec"/>
    /// the NEXT packet (whose FEC rebuilds the frame due); <paramref name="sequence"/> is the frame due.
    /// </summary>
    public PlayoutAction Next(Span<byte> payload, out int length, out uint sequence)
    {
        if (payload.Length < _maxPayload)
        {
            throw new ArgumentException($"the payload buffer must hold {_maxPayload} bytes, got {payload.Length}", nameof(payload));
        }

        PlayoutAction action = NextCore(payload, out length, out sequence);
        _policy.OnPlayout(action, DepthFrames);
        return action;
    }

    /// <summary>The sequence number due next (meaningless while idle).</summary>
    public uint NextSequence => _next;

    /// <summary>True before the first packet and after a stop: nothing is due.</summary>
    public bool IsIdle => _state == State.Idle;

    /// <summary>
    /// Takes the packet due now if it has arrived, deciding nothing about a gap: the receive path
    /// decodes in-order packets the moment they arrive and leaves a missing one to its deadline
    /// (<see cref="Next"/> then rebuilds it from FEC or conceals it).
    /// </summary>
    public bool TryTakeDue(Span<byte> payload, out int length, out uint sequence)
    {
        length = 0;
        sequence = _next;
        if (_state == State.Idle || _lengths[_head] == Empty)
        {
            return false;
        }

        _state = State.Playing;
        _missingRun = 0;
        length = Copy(_head, payload);
        _lengths[_head] = Empty;
        _played++;
        Advance();
        _policy.OnPlayout(PlayoutAction.Play, DepthFrames);
        return true;
    }

    private InsertResult InsertCore(uint sequence, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _maxPayload)
        {
            _tooLarge++;
            return InsertResult.TooLarge;
        }

        if (_state == State.Idle)
        {
            Restart(sequence);
            Store(_head, payload);
            return InsertResult.Accepted;
        }

        int ahead = Serial(sequence, _next);
        if (ahead < 0)
        {
            // Before playout has begun, a packet that overtook the first one can still be placed ahead of it.
            if (_state == State.Buffering && Serial(_highest, sequence) < _capacity)
            {
                _head = Mod(_head + ahead);
                _next = sequence;
                Store(_head, payload);
                return InsertResult.Accepted;
            }

            _late++;
            return InsertResult.Late;
        }

        if (ahead >= _capacity)
        {
            // Far outside the window: the far end jumped. Restart playout at the new packet; the decoder
            // carries on and conceals the jump like any gap (never a reset, DESIGN.md "Media layer").
            _resyncs++;
            Restart(sequence);
            Store(_head, payload);
            return InsertResult.Resynced;
        }

        int slot = Mod(_head + ahead);
        if (_lengths[slot] != Empty)
        {
            _duplicates++;
            return InsertResult.Duplicate;
        }

        Store(slot, payload);
        if (Serial(sequence, _highest) > 0)
        {
            _highest = sequence;
        }

        return InsertResult.Accepted;
    }

    private PlayoutAction NextCore(Span<byte> payload, out int length, out uint sequence)
    {
        length = 0;
        sequence = 0;
        switch (_state)
        {
            case State.Idle:
                return PlayoutAction.Buffering;
            case State.Buffering:
                if (Serial(_highest, _next) < _policy.TargetDelayFrames)
                {
                    return PlayoutAction.Buffering;
                }

                _state = State.Playing;
                _missingRun = 0;
                break;
            case State.Playing:
                if (_missingRun >= _stopAfterMissing)
                {
                    // Nothing for seconds: the far end stopped. Start afresh with whatever comes next.
                    _stops++;
                    Clear();
                    return PlayoutAction.Buffering;
                }

                break;
        }

        // Latency cap: a queue longer than the policy allows is delay the listener would keep for good.
        while (Serial(_highest, _next) > _policy.MaxDelayFrames)
        {
            if (_lengths[_head] != Empty)
            {
                _dropped++;
                _lengths[_head] = Empty;
            }

            Advance();
        }

        sequence = _next;
        if (_lengths[_head] != Empty)
        {
            length = Copy(_head, payload);
            _lengths[_head] = Empty;
            _played++;
            _missingRun = 0;
            Advance();
            return PlayoutAction.Play;
        }

        int following = Mod(_head + 1);
        if (_lengths[following] != Empty)
        {
            // Keep the next packet queued: it is played normally at the next period.
            length = Copy(following, payload);
            _fec++;
            _missingRun = 0;
            Advance();
            return PlayoutAction.Fec;
        }

        _concealed++;
        _missingRun++;
        Advance();
        return PlayoutAction.Conceal;
    }

    private void Restart(uint sequence)
    {
        Clear();
        _state = State.Buffering;
        _next = sequence;
        _highest = sequence;
        _head = 0;
    }

    private void Clear()
    {
        Array.Fill(_lengths, Empty);
        _state = State.Idle;
        _missingRun = 0;
    }

    private void Store(int slot, ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(_data.AsSpan(slot * _maxPayload, _maxPayload));
        _lengths[slot] = payload.Length;
        _received++;
    }

    private int Copy(int slot, Span<byte> payload)
    {
        int length = _lengths[slot];
        _data.AsSpan(slot * _maxPayload, length).CopyTo(payload);
        return length;
    }

    private void Advance()
    {
        _next++;
        _head = Mod(_head + 1);
    }

    private int Mod(int index)
    {
        int m = index % _capacity;
        return m < 0 ? m + _capacity : m;
    }

    /// <summary>a - b in serial-number arithmetic (RFC 1982 §3.2): positive when a is after b, across the wrap.</summary>
    private static int Serial(uint a, uint b) => unchecked((int)(a - b));

    private static FixedPlayoutPolicy DefaultPolicy(int capacityFrames, int targetDelayFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetDelayFrames);
        if (targetDelayFrames > capacityFrames - 2)
        {
            throw new ArgumentOutOfRangeException(nameof(targetDelayFrames), targetDelayFrames, $"targetDelayFrames must be below capacityFrames - 1 ({capacityFrames - 1})");
        }

        return new FixedPlayoutPolicy(targetDelayFrames, Math.Min(targetDelayFrames + FixedPlayoutPolicy.DefaultSlackFrames, capacityFrames - 1));
    }
}
