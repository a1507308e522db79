namespace PicoTalk.Protocol.Media;

/// <summary>
/// The receive pipeline of one call, an adaptive jitter buffer after WebRTC's NetEq: packets are
/// decoded the moment they can be, and the buffer holds decoded audio whose length follows the
/// network's jitter.
/// <code>
///  loop thread:      Push ─▶ packet store (reorders) ─▶ in order? decode now ─▶ PCM playout buffer
///                      └─▶ margin = (when the speaker will need it) - (now) ─▶ delay histogram
///  playback thread:  ReadFrame ─▶ short of a period? the missing frame is due: FEC from the next
///                                 packet (RFC 6716 §2.1.7) or conceal (PLC); decode what follows
///                              ─▶ low quantile of margins vs the minimum: stretch or shorten one
///                                 pitch period (PlayoutBuffer) ─▶ one period out
/// </code>
/// Decoding on arrival is what keeps delay low: a buffer that decodes at the speaker's tick makes
/// every packet wait for the tick, half a period on average; here a packet waits only for its
/// margin, which the controller holds at <see cref="PlayoutSettings.MinimumDelayMilliseconds"/> on
/// a clean link and raises until only <see cref="PlayoutSettings.LateShare"/> of packets come too
/// late when the network jitters. A sender whose clock runs fast (margins grow) is caught up by
/// shortening, a slow one (margins shrink) by stretching, so drift between two sound cards never
/// grows the delay or empties the buffer. A reordered packet waits in the store until its
/// predecessor comes or the speaker needs the gap filled; the decoder is never reset (the reference
/// design's defect, DESIGN.md "Media layer"). One lock guards everything; the longest hold is a
/// decode (about 30 us). No allocation per packet or period.
/// </summary>
public sealed class ReceiveStream : IDisposable
{
    /// <summary>Concealed or rebuilt frames remembered, so a late packet can tell how late it was.</summary>
    private const int ResolvedRing = 64;

    /// <summary>Reads over which leftover audio must persist before it is trimmed: half a second of 20 ms periods.</summary>
    private const int TrimAfterReads = 25;

    /// <summary>Reads after which an unfinished stretch or shorten of a period is abandoned.</summary>
    private const int AbandonAfterReads = 10;

    /// <summary>Packets averaged for a fresh mean margin after the deadlines moved.</summary>
    private const int SettlePackets = 8;

    /// <summary>Packets the histogram needs before its quantile steers anything.</summary>
    private const double MinimumHistory = 5;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly PlayoutSettings _settings;
    private readonly JitterBuffer _packets;
    private readonly PlayoutBuffer _playout;
    private readonly DelayHistogram _margins;
    private readonly ReceptionStatistics _reception;
    private readonly OpusDecoder _decoder = new();
    private readonly byte[] _packet = new byte[MediaConstants.MaxPacketBytes];
    private readonly uint[] _resolvedSequence = new uint[ResolvedRing];
    private readonly long[] _resolvedAt = new long[ResolvedRing];
    private readonly bool[] _resolvedPending = new bool[ResolvedRing];
    private readonly int _frameMilliseconds;
    private readonly int _frameSamples;
    private readonly long _periodTicks;
    private readonly int _minimumSamples;
    private readonly int _shortenAboveSamples;
    private readonly int _maximumSamples;
    private readonly int _shortenHoldReads;

    private bool _playing; // a ReadFrame has played audio since the stream (re)started
    private long _lastRead; // timestamp of that ReadFrame
    private double _meanMargin; // samples, exponentially weighted over about 32 packets
    private double _meanDelay; // samples from arrival to playout, weighted alike
    private int _pendingStretch; // samples still to add to move every deadline one read later
    private int _pendingShorten; // samples still to remove to move every deadline one read earlier
    private int _leftoverMin = int.MaxValue; // least audio left after a read since the last adjustment
    private int _readsSinceAdjust;
    private int _readsSinceGrowth = int.MaxValue; // since the last stretch for late packets (saturates)
    private int _settling; // packets left to average before margins count as deviations again
    private bool _seeded; // the first packets have been averaged
    private FrameKind _worstSinceRead = FrameKind.Decoded;

    private long _decoded;
    private long _concealed;
    private long _fecRecovered;
    private long _late;
    private long _duplicates;
    private long _resyncs;
    private long _droppedSamples;
    private long _malformed;
    private long _stretched;
    private long _shortened;

    public ReceiveStream(int frameMilliseconds, TimeProvider time, PlayoutSettings? settings = null)
    {
        _settings = settings ?? new PlayoutSettings();
        _settings.Validate();
        _time = time;
        _frameSamples = MediaConstants.SamplesPerFrame(frameMilliseconds);
        _frameMilliseconds = frameMilliseconds;
        _periodTicks = time.TimestampFrequency * frameMilliseconds / 1000;
        _minimumSamples = SamplesOf(_settings.MinimumDelayMilliseconds);
        _shortenAboveSamples = SamplesOf(_settings.ShortenAboveMilliseconds);
        _maximumSamples = SamplesOf(_settings.MaximumDelayMilliseconds);
        _shortenHoldReads = _settings.ShortenHoldMilliseconds / frameMilliseconds;
        int capacity = MediaConstants.DefaultJitterCapacityFrames;
        _packets = new JitterBuffer(capacity, MediaConstants.MaxPacketBytes, new FixedPlayoutPolicy(0, capacity - 1),
            Math.Max(1, MediaConstants.StreamStopMilliseconds / frameMilliseconds));
        _playout = new PlayoutBuffer(_maximumSamples + 4 * _frameSamples + 2 * PlayoutBuffer.MaxLag);
        _margins = new DelayHistogram(_settings.ForgettingFactor);
        _reception = new ReceptionStatistics(_frameSamples);
    }

    /// <summary>Samples <see cref="ReadFrame"/> fills: 480 (10 ms) or 960 (20 ms).</summary>
    public int FrameSamples => _frameSamples;

    public MediaStats Stats
    {
        get
        {
            lock (_gate)
            {
                double q = LowMargin();
                int delay = MillisecondsOf(Math.Max(0, _meanDelay));
                // The controller moves margins so that the quantile meets the minimum; the typical
                // packet then waits (mean - quantile) + minimum.
                int target = MillisecondsOf(Math.Max(_minimumSamples, _meanMargin - q + _minimumSamples));
                return new MediaStats(
                    _reception.Received, _decoded, _concealed, _fecRecovered, _late, _duplicates, _resyncs,
                    _droppedSamples, _malformed, _stretched, _shortened,
                    _reception.HighestSequence, _reception.Expected, _reception.CumulativeLost,
                    _reception.JitterMilliseconds, delay, target);
            }
        }
    }

    /// <summary>RFC 3550's fraction lost since the previous call (8-bit fixed point), for a receiver report.</summary>
    public byte TakeFractionLost()
    {
        lock (_gate)
        {
            return _reception.TakeFractionLost();
        }
    }

    /// <summary>A decrypted Opus packet from the network (event loop thread). Never throws on what the
    /// network sends; oversized or undecodable packets are counted as malformed.</summary>
    public void Push(uint sequence, ReadOnlySpan<byte> opusPacket)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            bool wasIdle = _packets.IsIdle;
            uint due = _packets.NextSequence;
            InsertResult result = _packets.Insert(sequence, opusPacket);
            switch (result)
            {
                case InsertResult.TooLarge:
                    _malformed++;
                    return;
                case InsertResult.Duplicate:
                    _duplicates++;
                    return;
                case InsertResult.Late:
                    OnLate(sequence, now);
                    return;
                case InsertResult.Resynced:
                    _resyncs++;
                    _reception.OnJump(sequence);
                    break;
            }

            _reception.OnPacket(sequence, SamplesOfTicks(now));
            // While a period is being added or removed, deadlines move at some splice in between:
            // margins measured then say nothing about the network.
            if (_playing && !wasIdle && result == InsertResult.Accepted && _pendingStretch == 0 && _pendingShorten == 0)
            {
                // Samples the speaker plays before this packet's first one: what is decoded, plus a
                // period for each frame still missing before it. The read that reaches it comes
                // (ahead / period + 1) periods after the last read.
                long ahead = _playout.Count + (long)unchecked((int)(sequence - due)) * _frameSamples;
                long deadline = _lastRead + (ahead / _frameSamples + 1) * _periodTicks;
                AddMargin(SamplesOfTicks(deadline - now));
                // The sound card plays the audio handed over at the next read during the period after
                // it, so this packet's first sample sounds a period after the last read plus what is ahead.
                _meanDelay += (SamplesOfTicks(_lastRead + _periodTicks - now) + ahead - _meanDelay) / 32;
            }

            DecodeInOrder();
        }
    }

    /// <summary>Fills <paramref name="pcm"/> (exactly <see cref="FrameSamples"/>) with the next period's
    /// audio (playback thread, once per device period).</summary>
    public FrameKind ReadFrame(Span<short> pcm)
    {
        if (pcm.Length != _frameSamples)
        {
            throw new ArgumentException($"a frame is {_frameSamples} samples, got {pcm.Length}", nameof(pcm));
        }

        long now = _time.GetTimestamp();
        lock (_gate)
        {
            // The speaker needs a period that has not arrived: the frame due now is rebuilt or
            // concealed (its packet, should it come, is late), then whatever queued after it decodes.
            while (_playout.Count < _frameSamples && !_packets.IsIdle)
            {
                ResolveDue(now);
                DecodeInOrder();
            }

            if (_playout.Count < _frameSamples)
            {
                // Idle: before the first packet, or the far end stopped sending for seconds.
                _playout.Clear();
                pcm.Clear();
                _playing = false;
                _worstSinceRead = FrameKind.Decoded;
                return FrameKind.Silence;
            }

            if (!_playing && _settings.StartOnePeriodDeep && _settings.Adaptive)
            {
                _pendingStretch = _frameSamples;
                AdjustDone();
            }

            if (_settings.Adaptive)
            {
                AdjustDelay();
            }

            _playout.TryTake(pcm);
            _playing = true;
            _lastRead = now;
            FrameKind kind = _worstSinceRead;
            _worstSinceRead = FrameKind.Decoded;
            return kind;
        }
    }

    public void Dispose() => _decoder.Dispose();

    /// <summary>Under the lock: decodes every packet that is next in order.</summary>
    private void DecodeInOrder()
    {
        while (_packets.TryTakeDue(_packet, out int length, out _))
        {
            Span<short> into = _playout.Reserve(_frameSamples);
            if (TryDecode(_packet.AsSpan(0, length), into, fec: false))
            {
                _decoded++;
            }
            else
            {
                _malformed++;
                Conceal(into);
                Worst(FrameKind.Concealed);
            }

            _playout.Commit(_frameSamples);
        }

        if (_playout.Count > _maximumSamples)
        {
            // Far over the maximum (the far end's capture stalled, then flushed): skip to the
            // target at once; shortening a period per read would take seconds.
            int skip = _playout.Count - _minimumSamples - _frameSamples;
            _playout.Discard(skip);
            _droppedSamples += skip;
        }
    }

    /// <summary>Under the lock: the frame due now has not arrived; FEC from its successor or PLC.</summary>
    private void ResolveDue(long now)
    {
        PlayoutAction action = _packets.Next(_packet, out int length, out uint sequence);
        if (action is PlayoutAction.Buffering)
        {
            return; // the store went idle (a stop): the caller plays silence
        }

        if (action is PlayoutAction.Play)
        {
            // Cannot happen (DecodeInOrder took it) but decode it rather than lose it.
            Span<short> played = _playout.Reserve(_frameSamples);
            if (TryDecode(_packet.AsSpan(0, length), played, fec: false))
            {
                _decoded++;
            }
            else
            {
                _malformed++;
                Conceal(played);
            }

            _playout.Commit(_frameSamples);
            return;
        }

        int slot = (int)(sequence % ResolvedRing);
        _resolvedSequence[slot] = sequence;
        _resolvedAt[slot] = now;
        _resolvedPending[slot] = true;
        Span<short> into = _playout.Reserve(_frameSamples);
        if (action is PlayoutAction.Fec && TryDecode(_packet.AsSpan(0, length), into, fec: true))
        {
            _fecRecovered++;
            Worst(FrameKind.FecRecovered);
        }
        else
        {
            if (action is PlayoutAction.Fec)
            {
                _malformed++;
            }

            Conceal(into);
            _concealed++;
            Worst(FrameKind.Concealed);
        }

        _playout.Commit(_frameSamples);
    }

    /// <summary>Under the lock: a packet for a frame already rebuilt or played.</summary>
    private void OnLate(uint sequence, long now)
    {
        int slot = (int)(sequence % ResolvedRing);
        if (_resolvedPending[slot] && _resolvedSequence[slot] == sequence)
        {
            // It missed its deadline by this much: the histogram must know, or the buffer never grows.
            _resolvedPending[slot] = false;
            _late++;
            _reception.OnPacket(sequence, SamplesOfTicks(now));
            AddMargin(SamplesOfTicks(_resolvedAt[slot] - now));
        }
        else
        {
            _duplicates++; // a copy of a packet already played
        }
    }

    /// <summary>
    /// Under the lock, before a period is taken: keeps the margin of the latest packets (the
    /// <see cref="PlayoutSettings.LateShare"/> quantile) at or above the minimum, with as little
    /// audio queued as that allows.
    /// </summary>
    /// <remarks>
    /// The sound card takes whole periods at its own instants, so a packet's deadline is the read
    /// that first needs it, and the buffer moves deadlines only in whole periods: stretching by less
    /// than a period delays the sound but leaves every deadline where it was. So the controller
    /// (1) stretches a whole period, a pitch period per read, when too many packets come late, and
    /// shifts the remembered margins by that period once done; (2) shortens a whole period when
    /// every recent packet had a period and more to spare, but not within
    /// <see cref="PlayoutSettings.ShortenHoldMilliseconds"/> of growing for late packets; (3) trims audio left over after reads
    /// (the remainder of stretches), which only adds delay.
    /// </remarks>
    private void AdjustDelay()
    {
        _leftoverMin = Math.Min(_leftoverMin, _playout.Count - _frameSamples);
        _readsSinceAdjust++;
        if (_readsSinceGrowth < int.MaxValue)
        {
            _readsSinceGrowth++;
        }

        if ((_pendingStretch > 0 || _pendingShorten > 0) && _readsSinceAdjust > AbandonAfterReads)
        {
            // Too little audio queued to finish (a shorten that the network's jitter keeps
            // starving): give up and measure afresh rather than freeze the controller.
            _pendingStretch = _pendingShorten = 0;
            AdjustDone(moved: true);
        }

        if (_pendingStretch > 0)
        {
            int added = _playout.Stretch(Math.Max(PlayoutBuffer.MinLag, _pendingStretch));
            if (added > 0)
            {
                _stretched++;
                _pendingStretch -= added;
                if (_pendingStretch <= 0)
                {
                    _pendingStretch = 0; // a splice may overshoot; the leftover is trimmed later
                    AdjustDone(moved: true);
                }
            }

            return;
        }

        if (_pendingShorten > 0)
        {
            int room = _playout.Count - _frameSamples; // this read keeps a whole period
            int removed = room >= PlayoutBuffer.MinLag ? _playout.Shorten(Math.Min(_pendingShorten, room)) : 0;
            if (removed > 0)
            {
                _shortened++;
                _pendingShorten -= removed;
                if (_pendingShorten < PlayoutBuffer.MinLag)
                {
                    _pendingShorten = 0;
                    AdjustDone(moved: true);
                }
            }

            return;
        }

        if (_margins.Total < MinimumHistory)
        {
            return;
        }

        double q = LowMargin();
        if (q < _minimumSamples)
        {
            _pendingStretch = _frameSamples;
            _readsSinceGrowth = 0;
            AdjustDone();
        }
        else if (q > _minimumSamples + _frameSamples + ShortenSlack(q) && _readsSinceGrowth >= _shortenHoldReads)
        {
            _pendingShorten = _frameSamples;
            AdjustDone();
        }
        else if (_readsSinceAdjust >= TrimAfterReads && _leftoverMin % _frameSamples >= PlayoutBuffer.MinLag)
        {
            // Audio left over after every recent read, short of a whole period, moves no deadline:
            // it is only delay. Whole periods left over are the controller's to give back (above):
            // trimming into one would move every deadline a period earlier unnoticed.
            int removed = _playout.Shorten(_leftoverMin % _frameSamples);
            if (removed > 0)
            {
                _shortened++;
            }

            AdjustDone();
        }
    }

    /// <param name="moved">Deadlines moved (by about a period, at a splice the controller cannot
    /// pin down): the mean margin is measured afresh from the next packets before deviations count again.</param>
    private void AdjustDone(bool moved = false)
    {
        _leftoverMin = int.MaxValue;
        _readsSinceAdjust = 0;
        if (moved)
        {
            _settling = SettlePackets;
        }
    }

    /// <summary>
    /// Records a packet's margin. The histogram keeps its deviation from the recent mean, not the
    /// margin itself: clock drift moves every margin steadily, and a low quantile of raw margins
    /// with ten seconds of memory would follow it half a minute late (delay growing by 0.5 % of
    /// that meanwhile); the mean follows drift within a second while the deviations keep the
    /// jitter's spread for as long as the histogram remembers.
    /// </summary>
    private void AddMargin(long marginSamples)
    {
        double margin = Math.Clamp(marginSamples, int.MinValue / 4, int.MaxValue / 4);
        if (!_seeded)
        {
            _seeded = true;
            _settling = SettlePackets;
        }

        if (_settling > 0)
        {
            // A plain average of the first packets after a start or a move of the deadlines.
            _meanMargin = _settling == SettlePackets ? margin : _meanMargin + (margin - _meanMargin) / (SettlePackets - _settling + 1);
            _settling--;
            return;
        }

        _margins.Add((int)(margin - _meanMargin));
        _meanMargin += (margin - _meanMargin) / 32;
    }

    /// <summary>
    /// How far beyond a whole period above the minimum the margins must sit before a period is given
    /// back: as much as the margins spread below their mean (so jitter cannot make the buffer hunt
    /// between shortening and stretching), between 1 ms and <see cref="PlayoutSettings.ShortenAboveMilliseconds"/>.
    /// On a clean link that is 1 ms, so a period is not kept for a read phase of a few milliseconds.
    /// </summary>
    private int ShortenSlack(double lowMargin) =>
        (int)Math.Clamp(_meanMargin - lowMargin, MediaConstants.SampleRate / 1000, _shortenAboveSamples);

    /// <summary>The margin the latest <see cref="PlayoutSettings.LateShare"/> of packets fall below, now.</summary>
    private double LowMargin() => _margins.Total > 0 ? _meanMargin + _margins.Quantile(_settings.LateShare) : _meanMargin;

    private void Worst(FrameKind kind)
    {
        if (kind == FrameKind.Concealed || _worstSinceRead == FrameKind.Decoded)
        {
            _worstSinceRead = kind;
        }
    }

    /// <summary>Decodes a packet that must hold exactly one period; anything else (a peer on another
    /// frame size, a corrupt packet) is refused so the caller conceals instead of throwing.</summary>
    private bool TryDecode(ReadOnlySpan<byte> packet, Span<short> pcm, bool fec) =>
        OpusDecoder.GetSampleCount(packet) == _frameSamples && _decoder.TryDecode(packet, pcm, fec) == _frameSamples;

    private void Conceal(Span<short> pcm)
    {
        if (_decoder.TryConceal(pcm) < 0)
        {
            // Cannot happen with a valid frame size; silence is still better than a throw on the audio thread.
            pcm.Clear();
        }
    }

    private long SamplesOfTicks(long ticks) => (long)(ticks * ((double)MediaConstants.SampleRate / _time.TimestampFrequency));

    private static int SamplesOf(int milliseconds) => milliseconds * (MediaConstants.SampleRate / 1000);

    private static int MillisecondsOf(double samples) => (int)Math.Round(samples * 1000 / MediaConstants.SampleRate);
}
