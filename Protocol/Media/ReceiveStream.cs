namespace PicoTalk.Protocol.Media;

/// <summary>
/// The receive pipeline of one call: packets in from the network, PCM out to the speaker.
/// <see cref="Push"/> runs on the event loop thread, <see cref="ReadFrame"/> on the playback thread
/// once per period; a lock guards only the jitter buffer, and decoding happens outside it.
/// A gap is concealed or rebuilt from FEC with the same decoder state, never by resetting the
/// decoder (the reference design's defect, DESIGN.md "Media layer"). No allocation per call.
/// </summary>
public sealed class ReceiveStream : IDisposable
{
    private readonly object _gate = new();
    private readonly JitterBuffer _buffer;
    private readonly OpusDecoder _decoder = new();
    private readonly byte[] _packet = new byte[MediaConstants.MaxPacketBytes]; // playback thread only
    private readonly int _frameMilliseconds;
    private readonly int _frameSamples;

    // Written by the playback thread under the lock, read by Stats under the lock.
    private long _played;
    private long _concealed;
    private long _fecRecovered;
    private long _malformed;

    public ReceiveStream(int frameMilliseconds = MediaConstants.DefaultFrameMilliseconds, int targetDelayFrames = MediaConstants.DefaultTargetDelayFrames)
    {
        _frameSamples = MediaConstants.SamplesPerFrame(frameMilliseconds);
        _frameMilliseconds = frameMilliseconds;
        _buffer = new JitterBuffer(
            MediaConstants.DefaultJitterCapacityFrames,
            MediaConstants.MaxPacketBytes,
            targetDelayFrames,
            MediaConstants.StreamStopMilliseconds / frameMilliseconds);
    }

    /// <summary>Samples <see cref="ReadFrame"/> fills: 480 (10 ms) or 960 (20 ms).</summary>
    public int FrameSamples => _frameSamples;

    public MediaStats Stats
    {
        get
        {
            lock (_gate)
            {
                JitterBufferStats b = _buffer.Stats;
                return new MediaStats(
                    b.Received,
                    _played,
                    _concealed,
                    _fecRecovered,
                    b.Late,
                    b.Duplicates,
                    b.Resyncs,
                    b.Dropped,
                    _malformed + b.TooLarge,
                    b.DepthFrames,
                    b.DepthFrames * _frameMilliseconds);
            }
        }
    }

    /// <summary>Queues a decrypted Opus packet. Never throws on what the network sends; oversized
    /// packets are counted as malformed.</summary>
    public void Push(uint sequence, ReadOnlySpan<byte> opusPacket)
    {
        lock (_gate)
        {
            _buffer.Insert(sequence, opusPacket);
        }
    }

    /// <summary>Fills <paramref name="pcm"/> (exactly <see cref="FrameSamples"/>) with the next period's audio.</summary>
    public FrameKind ReadFrame(Span<short> pcm)
    {
        if (pcm.Length != _frameSamples)
        {
            throw new ArgumentException($"a frame is {_frameSamples} samples, got {pcm.Length}", nameof(pcm));
        }

        PlayoutAction action;
        int length;
        lock (_gate)
        {
            action = _buffer.Next(_packet, out length, out _);
        }

        ReadOnlySpan<byte> packet = _packet.AsSpan(0, length);
        FrameKind kind;
        bool malformed = false;
        switch (action)
        {
            case PlayoutAction.Play:
                malformed = !TryDecode(packet, pcm, fec: false);
                kind = malformed ? ConcealInto(pcm) : FrameKind.Decoded;
                break;
            case PlayoutAction.Fec:
                malformed = !TryDecode(packet, pcm, fec: true);
                kind = malformed ? ConcealInto(pcm) : FrameKind.FecRecovered;
                break;
            case PlayoutAction.Conceal:
                kind = ConcealInto(pcm);
                break;
            default:
                pcm.Clear();
                kind = FrameKind.Silence;
                break;
        }

        lock (_gate)
        {
            if (malformed)
            {
                _malformed++;
            }

            switch (kind)
            {
                case FrameKind.Decoded:
                    _played++;
                    break;
                case FrameKind.FecRecovered:
                    _fecRecovered++;
                    break;
                case FrameKind.Concealed:
                    _concealed++;
                    break;
            }
        }

        return kind;
    }

    public void Dispose() => _decoder.Dispose();

    /// <summary>Decodes a packet that must hold exactly one period; anything else (a peer on another frame
    /// size, a corrupt packet) is counted as malformed and concealed instead of thrown.</summary>
    private bool TryDecode(ReadOnlySpan<byte> packet, Span<short> pcm, bool fec) =>
        OpusDecoder.GetSampleCount(packet) == _frameSamples && _decoder.TryDecode(packet, pcm, fec) == _frameSamples;

    private FrameKind ConcealInto(Span<short> pcm)
    {
        if (_decoder.TryConceal(pcm) < 0)
        {
            // Cannot happen with a valid frame size; silence is still better than a throw on the audio thread.
            pcm.Clear();
        }

        return FrameKind.Concealed;
    }
}
