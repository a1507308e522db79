using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Dsp;
using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Media;

/// <summary>
/// The media of one call between the sound devices and the session (the paper's media layer):
/// <code>
///  capture thread:  source.Read ─▶ echo canceller, noise suppression, AGC, voice gate ─▶ frame slot
///                   ─▶ (post) ─▶ loop: Opus encode ─▶ seal ─▶ UDP
///  loop:            UDP ─▶ open ─▶ OnMedia ─▶ ReceiveStream.Push (jitter buffer)
///  loop, every 1 s: ReceiveStream statistics ─▶ receiver report ─▶ peer
///  loop:            peer's report ─▶ MediaFeedback ─▶ round trip; Opus bitrate, FEC, expected loss
///  loop:            ... ─▶ decoded at once when in order (adaptive jitter buffer)
///  playback thread: ReceiveStream.ReadFrame (FEC / conceal a frame that missed its time) ─▶ sink.Write
///                   ─▶ the played period to the echo canceller's reference
/// </code>
/// Each device's blocking call paces its own thread, so capture and playback never wait for each
/// other and capture is never confused with playback. The encoder and the session are touched only
/// on the loop; the receive stream is the one object both sides share (it locks inside). Nothing on
/// this path allocates per frame.
/// </summary>
public sealed class DeviceCallMedia : ICallMedia
{
    /// <summary>Captured frames that may wait for the loop; when all are taken the oldest capture is dropped.</summary>
    private const int SlotCount = 8;

    private readonly EventLoop _loop;
    private readonly SecureSession _session;
    private readonly IAudioSource _source;
    private readonly IAudioSink _sink;
    private readonly OpusEncoder _encoder;
    private readonly ReceiveStream _receive;
    private readonly VoiceProcessor _voice;
    private readonly MediaFeedback _feedback;
    private readonly ITimer _reportTimer;
    private readonly int _frameMilliseconds;
    private readonly bool _fecAllowed;
    private readonly CaptureSlot[] _slots;
    private readonly byte[] _packet = new byte[MediaConstants.MaxPacketBytes];
    private readonly Thread _captureThread;
    private readonly Thread _playbackThread;
    private readonly Action<string> _log;
    private readonly AudioGains _gains;
    private volatile bool _stopping;
    private volatile float _inputLevelDb = float.NaN; // written by the capture thread, read on the loop
    private long _framesSent;
    private long _framesReceived;
    private long _captureDrops;

    public DeviceCallMedia(EventLoop loop, SecureSession session, IAudioSource source, IAudioSink sink,
        VoiceProcessor voice, CallMediaSettings settings, Action<string> log, AudioGains? gains = null)
    {
        _gains = gains ?? new AudioGains();
        _loop = loop;
        _session = session;
        _source = source;
        _sink = sink;
        _log = log;
        _voice = voice;
        var encoderSettings = settings.Encoder with { Bitrate = settings.Bitrate.StartBitsPerSecond };
        _encoder = new OpusEncoder(encoderSettings);
        _frameMilliseconds = encoderSettings.FrameMilliseconds;
        _receive = new ReceiveStream(encoderSettings.FrameMilliseconds, loop.Time, settings.Playout);
        // The call starts with the configured FEC and expected loss (protected until the first
        // reports show a clean link); from then on the peer's reports steer all three.
        _feedback = new MediaFeedback(settings.Bitrate, Now());
        _fecAllowed = encoderSettings.InbandFec;
        int samples = encoderSettings.FrameSamples;
        if (source.FrameSamples != samples || sink.FrameSamples != samples || voice.FrameSamples != samples)
        {
            throw new ArgumentException($"devices deliver {source.FrameSamples}/{sink.FrameSamples} samples per period, voice processing takes {voice.FrameSamples}; the codec needs {samples}");
        }

        _slots = new CaptureSlot[SlotCount];
        for (int i = 0; i < SlotCount; i++)
        {
            _slots[i] = new CaptureSlot(this, samples);
        }

        _captureThread = new Thread(CaptureLoop) { Name = "picotalk-capture", IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _playbackThread = new Thread(PlaybackLoop) { Name = "picotalk-playback", IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _captureThread.Start();
        _playbackThread.Start();
        _reportTimer = loop.CreateTimer(SendReport, settings.ReportInterval, settings.ReportInterval);
    }

    public CallMediaStats Stats
    {
        get
        {
            var r = _receive.Stats;
            // Read on the loop, the only thread that touches the encoder. Loss and jitter are what
            // this end receives (RFC 3550 §6.4.1), known once packets came.
            double? loss = r.ExpectedPackets > 0 ? Math.Round(100.0 * r.CumulativeLost / r.ExpectedPackets, 1) : null;
            double? jitter = r.PacketsReceived > 1 ? Math.Round(r.JitterMilliseconds, 1) : null;
            int? roundTrip = _feedback.RoundTripMilliseconds;
            return new CallMediaStats(Interlocked.Read(ref _framesSent), Interlocked.Read(ref _framesReceived),
                r.FramesDecoded, r.FramesConcealed, r.FecRecovered, r.Late, _encoder.Bitrate, r.DelayMilliseconds,
                loss, jitter, roundTrip, roundTrip is { } rtt ? MouthToEar(rtt, r.DelayMilliseconds) : null,
                _encoder.InbandFec, _feedback.ReportsReceived > 0 ? Math.Round(100 * _feedback.PeerLoss, 1) : null,
                float.IsNaN(_inputLevelDb) ? null : Math.Round(_inputLevelDb, 1));
        }
    }

    public MediaStats ReceiveStats => _receive.Stats;

    /// <inheritdoc/>
    public bool MicrophoneOpen { get; set; } = true;

    public long CaptureDrops => Interlocked.Read(ref _captureDrops);

    public void OnMedia(uint sequence, ReadOnlySpan<byte> payload)
    {
        Interlocked.Increment(ref _framesReceived);
        _receive.Push(sequence, payload);
    }

    public void OnReport(in ReceiverReport report)
    {
        if (_stopping)
        {
            return;
        }

        // Compared with the encoder rather than trusting "changed": the call starts at the
        // configured FEC and loss, which the controller's first target may differ from unchanged.
        _feedback.OnReport(report, Now());
        EncoderTarget target = _feedback.Target;
        if (target.BitsPerSecond != _encoder.Bitrate || (target.Fec && _fecAllowed) != _encoder.InbandFec
            || target.ExpectedLossPercent != _encoder.ExpectedPacketLossPercent)
        {
            Retune(target);
        }
    }

    /// <summary>On the loop, every report interval.</summary>
    private void SendReport()
    {
        if (_stopping)
        {
            return;
        }

        ReceiverReport report = _feedback.CreateReport(_receive.TakeFractionLost(), _receive.Stats, Now());
        _session.TrySendReport(report);
    }

    private void Retune(EncoderTarget target)
    {
        _encoder.Bitrate = target.BitsPerSecond;
        _encoder.InbandFec = target.Fec && _fecAllowed;
        _encoder.ExpectedPacketLossPercent = target.ExpectedLossPercent;
    }

    /// <summary>
    /// An estimate of mouth-to-ear delay for what we hear: the peer's capture period, its
    /// preprocessor's period when it runs one (assumed configured as we are), Opus's lookahead, half
    /// the round trip, our jitter buffer (which includes the wait for our sound card's next read), and
    /// the period our sound card plays out. Device buffering beyond a period is not known here.
    /// </summary>
    private int MouthToEar(int roundTripMs, int bufferMs)
    {
        int preprocess = _voice.Settings.Preprocessor.Any ? _frameMilliseconds : 0;
        int lookahead = (int)Math.Round(_encoder.LookaheadSamples * 1000.0 / MediaConstants.SampleRate);
        return _frameMilliseconds + preprocess + lookahead + roundTripMs / 2 + bufferMs + _frameMilliseconds;
    }

    private TimeSpan Now() => _loop.Time.GetElapsedTime(0, _loop.Time.GetTimestamp());

    private void CaptureLoop()
    {
        int next = 0;
        try
        {
            while (!_stopping)
            {
                var slot = _slots[next];
                if (Volatile.Read(ref slot.Busy) != 0)
                {
                    // The loop has not caught up with SlotCount frames: capture into the slot anyway
                    // would race the encoder, so skip this period's audio (counted).
                    Interlocked.Increment(ref _captureDrops);
                    if (!_source.Read(slot.Scratch))
                    {
                        return;
                    }

                    AudioGains.Apply(slot.Scratch, _gains.Microphone);
                    _voice.Process(slot.Scratch); // keeps the echo canceller's reference in step
                    continue;
                }

                if (!_source.Read(slot.Pcm))
                {
                    return;
                }

                // The microphone gain acts like a capture volume, before the echo canceller; the
                // level shown is what that gain makes of the microphone.
                AudioGains.Apply(slot.Pcm, _gains.Microphone);
                _inputLevelDb = (float)AudioGains.LevelDb(slot.Pcm);
                _voice.Process(slot.Pcm);
                Volatile.Write(ref slot.Busy, 1);
                if (!_loop.TryPost(slot))
                {
                    Volatile.Write(ref slot.Busy, 0);
                    Interlocked.Increment(ref _captureDrops);
                }

                next = (next + 1) % SlotCount;
            }
        }
        catch (Exception e) when (!_stopping)
        {
            _log($"media: capture stopped: {e.Message}");
        }
    }

    private void PlaybackLoop()
    {
        var pcm = new short[_sink.FrameSamples];
        try
        {
            while (!_stopping)
            {
                _receive.ReadFrame(pcm);
                AudioGains.Apply(pcm, _gains.Speaker); // the echo canceller's reference is what is played
                if (!_sink.Write(pcm))
                {
                    return;
                }

                _voice.OnPlayed(pcm);
            }
        }
        catch (Exception e) when (!_stopping)
        {
            _log($"media: playback stopped: {e.Message}");
        }
    }

    /// <summary>On the loop: encode a captured frame and send it.</summary>
    private void EncodeAndSend(short[] pcm)
    {
        if (_stopping)
        {
            return;
        }

        if (!MicrophoneOpen)
        {
            // Half duplex without push-to-talk: the stream goes on (the peer's jitter buffer and
            // reports stay in step) but carries silence, which Opus codes in a few bytes.
            Array.Clear(pcm);
        }

        int length = _encoder.Encode(pcm, _packet);
        if (_session.TrySendMedia(_packet.AsSpan(0, length)))
        {
            Interlocked.Increment(ref _framesSent);
        }
    }

    /// <summary>Stops both threads (each finishes its current period), then closes the devices.
    /// Called on the loop, so no encode is running meanwhile.</summary>
    public void Dispose()
    {
        _stopping = true;
        _reportTimer.Dispose();
        bool captureDone = _captureThread.Join(TimeSpan.FromMilliseconds(200));
        bool playbackDone = _playbackThread.Join(TimeSpan.FromMilliseconds(200));
        // A device that blocks longer (a stalled sound card) is woken by closing it.
        _source.Dispose();
        _sink.Dispose();
        if (!captureDone)
        {
            _captureThread.Join(TimeSpan.FromSeconds(1));
        }

        if (!playbackDone)
        {
            _playbackThread.Join(TimeSpan.FromSeconds(1));
        }

        _encoder.Dispose();
        _receive.Dispose();
        if (captureDone || !_captureThread.IsAlive)
        {
            _voice.Dispose(); // never under a capture thread that might still be in it
        }
    }

    /// <summary>A captured frame on its way to the loop; preallocated so posting allocates nothing.</summary>
    private sealed class CaptureSlot(DeviceCallMedia owner, int samples) : ILoopWork
    {
        public readonly short[] Pcm = new short[samples];
        public readonly short[] Scratch = new short[samples];
        public int Busy;

        public void Execute()
        {
            try
            {
                owner.EncodeAndSend(Pcm);
            }
            finally
            {
                Volatile.Write(ref Busy, 0);
            }
        }
    }
}
