namespace PicoTalk.Protocol.Media;

/// <summary>
/// How the sender's Opus encoder starts (DESIGN.md "Media layer": 48 kHz mono, 20 ms, VBR).
/// The encoder is always OPUS_APPLICATION_VOIP and never uses DTX: with DTX the far end's jitter
/// buffer could not tell a silent talker from lost packets, and would conceal and then stop.
/// </summary>
public sealed record OpusEncoderSettings
{
    /// <summary>Bits per second, 6000..510000 (RFC 6716 §2.1.1). 32 kbit/s is about 80 bytes per 20 ms.</summary>
    public int Bitrate { get; init; } = MediaConstants.DefaultBitrate;

    /// <summary>CPU spent for quality, 0..10 (OPUS_SET_COMPLEXITY). 9 leaves a Raspberry Pi core mostly idle for one mono voice.</summary>
    public int Complexity { get; init; } = 9;

    /// <summary>10 or 20 ms per packet; 20 ms halves the per-packet overhead, 10 ms cuts 10 ms of latency.</summary>
    public int FrameMilliseconds { get; init; } = MediaConstants.DefaultFrameMilliseconds;

    /// <summary>Variable bitrate (the design's default). False gives CBR, whose packet sizes reveal nothing about what is said.</summary>
    public bool Vbr { get; init; } = true;

    /// <summary>Carry a low-rate copy of the previous frame in each packet (SILK LBRR, RFC 6716 §2.1.7).</summary>
    public bool InbandFec { get; init; }

    /// <summary>Loss the encoder should expect, 0..100 % (OPUS_SET_PACKET_LOSS_PERC); FEC is only spent when this is above 0.</summary>
    public int ExpectedPacketLossPercent { get; init; }

    /// <summary>Samples per frame at 48 kHz mono (480 or 960).</summary>
    public int FrameSamples => MediaConstants.SamplesPerFrame(FrameMilliseconds);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first field out of range.</summary>
    public void Validate()
    {
        ValidateBitrate(Bitrate);
        if (Complexity is < MediaConstants.MinComplexity or > MediaConstants.MaxComplexity)
        {
            throw new ArgumentOutOfRangeException(nameof(Complexity), Complexity, $"Complexity must be {MediaConstants.MinComplexity}..{MediaConstants.MaxComplexity}");
        }

        if (FrameMilliseconds is not (10 or 20))
        {
            throw new ArgumentOutOfRangeException(nameof(FrameMilliseconds), FrameMilliseconds, "FrameMilliseconds must be 10 or 20");
        }

        ValidateLossPercent(ExpectedPacketLossPercent);
    }

    internal static void ValidateBitrate(int bitrate)
    {
        if (bitrate is < MediaConstants.MinBitrate or > MediaConstants.MaxBitrate)
        {
            throw new ArgumentOutOfRangeException(nameof(Bitrate), bitrate, $"Bitrate must be {MediaConstants.MinBitrate}..{MediaConstants.MaxBitrate} bit/s (RFC 6716 §2.1.1)");
        }
    }

    internal static void ValidateLossPercent(int percent)
    {
        if (percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(ExpectedPacketLossPercent), percent, "ExpectedPacketLossPercent must be 0..100");
        }
    }
}
