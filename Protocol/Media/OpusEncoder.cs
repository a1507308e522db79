namespace PicoTalk.Protocol.Media;

/// <summary>
/// A libopus encoder for the appliance's one voice: 48 kHz, mono, OPUS_APPLICATION_VOIP.
/// Used by one thread (the capture loop); the setters may be called between frames, for instance
/// by bitrate control when the peer reports loss. No managed allocation per <see cref="Encode"/>.
/// </summary>
public sealed unsafe class OpusEncoder : IDisposable
{
    private readonly OpusEncoderHandle _handle;
    private int _bitrate;
    private bool _inbandFec;
    private int _expectedLoss;

    public OpusEncoder(OpusEncoderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        FrameMilliseconds = settings.FrameMilliseconds;
        FrameSamples = settings.FrameSamples;

        _handle = OpusNative.opus_encoder_create(MediaConstants.SampleRate, MediaConstants.Channels, OpusNative.ApplicationVoip, out int error);
        if (error != OpusNative.Ok || _handle.IsInvalid)
        {
            _handle.Dispose();
            throw new OpusException("opus_encoder_create", error);
        }

        try
        {
            Ctl(OpusNative.SetVbrRequest, settings.Vbr ? 1 : 0, "OPUS_SET_VBR");
            Ctl(OpusNative.SetDtxRequest, 0, "OPUS_SET_DTX");
            Ctl(OpusNative.SetComplexityRequest, settings.Complexity, "OPUS_SET_COMPLEXITY");
            Bitrate = settings.Bitrate;
            InbandFec = settings.InbandFec;
            ExpectedPacketLossPercent = settings.ExpectedPacketLossPercent;
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    public int FrameMilliseconds { get; }

    /// <summary>Samples that <see cref="Encode"/> takes: 480 (10 ms) or 960 (20 ms).</summary>
    public int FrameSamples { get; }

    /// <summary>Target bits per second, 6000..510000 (RFC 6716 §2.1.1).</summary>
    public int Bitrate
    {
        get => _bitrate;
        set
        {
            OpusEncoderSettings.ValidateBitrate(value);
            Ctl(OpusNative.SetBitrateRequest, value, "OPUS_SET_BITRATE");
            _bitrate = value;
        }
    }

    /// <summary>In-band FEC (RFC 6716 §2.1.7); has an effect only with <see cref="ExpectedPacketLossPercent"/> above 0.</summary>
    public bool InbandFec
    {
        get => _inbandFec;
        set
        {
            Ctl(OpusNative.SetInbandFecRequest, value ? 1 : 0, "OPUS_SET_INBAND_FEC");
            _inbandFec = value;
        }
    }

    /// <summary>Loss the encoder plans for, 0..100 %: more makes it more robust and spend more on FEC.</summary>
    public int ExpectedPacketLossPercent
    {
        get => _expectedLoss;
        set
        {
            OpusEncoderSettings.ValidateLossPercent(value);
            Ctl(OpusNative.SetPacketLossPercRequest, value, "OPUS_SET_PACKET_LOSS_PERC");
            _expectedLoss = value;
        }
    }

    /// <summary>The encoder's algorithmic delay in samples at 48 kHz (OPUS_GET_LOOKAHEAD).</summary>
    public int LookaheadSamples
    {
        get
        {
            OpusException.ThrowIfError(OpusNative.opus_encoder_ctl(_handle, OpusNative.GetLookaheadRequest, out int value), "OPUS_GET_LOOKAHEAD");
            return value;
        }
    }

    /// <summary>
    /// Encodes one frame of exactly <see cref="FrameSamples"/> samples into <paramref name="packet"/>
    /// (give it <see cref="MediaConstants.MaxPacketBytes"/> to never run short); returns the packet's length.
    /// </summary>
    public int Encode(ReadOnlySpan<short> pcm, Span<byte> packet)
    {
        if (pcm.Length != FrameSamples)
        {
            throw new ArgumentException($"a frame is {FrameSamples} samples ({FrameMilliseconds} ms), got {pcm.Length}", nameof(pcm));
        }

        if (packet.IsEmpty)
        {
            throw new ArgumentException("the packet buffer is empty", nameof(packet));
        }

        int room = Math.Min(packet.Length, MediaConstants.MaxPacketBytes);
        fixed (short* pcmPtr = pcm)
        fixed (byte* packetPtr = packet)
        {
            return OpusException.ThrowIfError(OpusNative.opus_encode(_handle, pcmPtr, FrameSamples, packetPtr, room), "opus_encode");
        }
    }

    public void Dispose() => _handle.Dispose();

    private void Ctl(int request, int value, string name)
    {
        OpusException.ThrowIfError(OpusNative.opus_encoder_ctl(_handle, request, value), name);
    }
}
