using PicoTalk.Protocol.Media;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>
/// One direction of a call on a fake clock: a sender that encodes a signal with the real Opus
/// encoder once per ITS period, a link that delays (base + uniform jitter, so packets reorder),
/// drops and duplicates with a seed, and a sound card that reads a period from the
/// <see cref="ReceiveStream"/> once per ITS period at a random phase. The two clocks may run at
/// different rates (clock drift between two sound cards). Everything the speaker got is kept.
/// </summary>
internal sealed class PlayoutSimulator : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly OpusEncoder _encoder;
    private readonly Func<int, short[]> _frameOf;
    private readonly Random _random;
    private readonly PriorityQueue<(uint Seq, byte[] Packet), long> _inFlight = new();
    private readonly List<short> _played = new();
    private readonly byte[] _packet = new byte[MediaConstants.MaxPacketBytes];
    private long _now;

    public PlayoutSimulator(int frameMilliseconds, Func<int, short[]> frameOf, int seed, PlayoutSettings? settings = null, bool fec = true)
    {
        FrameMilliseconds = frameMilliseconds;
        _frameOf = frameOf;
        _random = new Random(seed);
        _encoder = new OpusEncoder(new OpusEncoderSettings { FrameMilliseconds = frameMilliseconds, InbandFec = fec, ExpectedPacketLossPercent = fec ? 10 : 0 });
        Stream = new ReceiveStream(frameMilliseconds, _time, settings);
    }

    public int FrameMilliseconds { get; }

    public int FrameSamples => Stream.FrameSamples;

    public ReceiveStream Stream { get; }

    /// <summary>Sender clock rate relative to true time (1.005 = 0.5 % fast).</summary>
    public double SenderRate { get; init; } = 1;

    /// <summary>Sound card clock rate relative to true time.</summary>
    public double ReceiverRate { get; init; } = 1;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Each packet gets a further delay drawn uniformly from [0, Jitter).</summary>
    public TimeSpan Jitter { get; set; }

    public double Loss { get; set; }

    public double Duplication { get; init; }

    /// <summary>Frames sent so far.</summary>
    public int Sent { get; private set; }

    /// <summary>Everything the sound card read, in order (Silence periods included as zeros).</summary>
    public List<short> Played => _played;

    /// <summary>Kinds of the periods read.</summary>
    public List<FrameKind> Kinds { get; } = new();

    /// <summary>Called after each period the sound card reads, with the stream's statistics then.</summary>
    public Action<MediaStats>? AfterRead { get; set; }

    /// <summary>Runs the call for <paramref name="duration"/> of true time.</summary>
    public void Run(TimeSpan duration)
    {
        long end = _now + duration.Ticks;
        long sendPeriod = (long)(TimeSpan.FromMilliseconds(FrameMilliseconds).Ticks / SenderRate);
        long readPeriod = (long)(TimeSpan.FromMilliseconds(FrameMilliseconds).Ticks / ReceiverRate);
        _nextSend = _nextSend == 0 ? sendPeriod : _nextSend;
        _nextRead = _nextRead == 0 ? sendPeriod + _random.NextInt64(readPeriod) : _nextRead;
        var pcm = new short[FrameSamples];
        while (true)
        {
            long arrival = _inFlight.TryPeek(out _, out long at) ? at : long.MaxValue;
            long next = Math.Min(_nextSend, Math.Min(_nextRead, arrival));
            if (next > end)
            {
                break;
            }

            AdvanceTo(next);
            if (next == arrival)
            {
                var (seq, packet) = _inFlight.Dequeue();
                Stream.Push(seq, packet);
            }
            else if (next == _nextSend)
            {
                Send();
                _nextSend += sendPeriod;
            }
            else
            {
                FrameKind kind = Stream.ReadFrame(pcm);
                Kinds.Add(kind);
                _played.AddRange(pcm);
                _nextRead += readPeriod;
                AfterRead?.Invoke(Stream.Stats);
            }
        }

        AdvanceTo(end);
    }

    public void Dispose()
    {
        _encoder.Dispose();
        Stream.Dispose();
    }

    private long _nextSend;
    private long _nextRead;

    private void Send()
    {
        short[] frame = _frameOf(Sent);
        int length = _encoder.Encode(frame, _packet);
        uint seq = (uint)Sent++;
        if (_random.NextDouble() < Loss)
        {
            return;
        }

        byte[] copy = _packet.AsSpan(0, length).ToArray();
        int copies = _random.NextDouble() < Duplication ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            long delay = BaseDelay.Ticks + (Jitter > TimeSpan.Zero ? _random.NextInt64(Jitter.Ticks) : 0);
            _inFlight.Enqueue((seq, copy), _now + delay);
        }
    }

    private void AdvanceTo(long ticks)
    {
        if (ticks > _now)
        {
            _time.Advance(TimeSpan.FromTicks(ticks - _now));
            _now = ticks;
        }
    }

    /// <summary>A continuous tone, frame by frame: any gap, click or discontinuity shows in the output.</summary>
    public static Func<int, short[]> Tone(int frameSamples, double hz, double amplitude = 8000) => k =>
    {
        var frame = new short[frameSamples];
        for (int i = 0; i < frameSamples; i++)
        {
            long n = (long)k * frameSamples + i;
            frame[i] = (short)(amplitude * Math.Sin(2 * Math.PI * hz * n / MediaConstants.SampleRate));
        }

        return frame;
    };
}
