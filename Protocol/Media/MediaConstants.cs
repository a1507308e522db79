namespace PicoTalk.Protocol.Media;

/// <summary>
/// Numbers of the media layer (DESIGN.md "Media layer"). The first group comes from the Opus
/// specification; the second group is our choice and may be tuned.
/// </summary>
public static class MediaConstants
{
    // ---- From the specification (RFC 6716) ----

    /// <summary>Opus's native rate; every other rate is resampled inside the codec (RFC 6716 §2).</summary>
    public const int SampleRate = 48_000;

    /// <summary>The appliance sends one voice: mono.</summary>
    public const int Channels = 1;

    /// <summary>Largest Opus packet: a code 0 packet carries one frame of at most 1275 bytes (RFC 6716 §3.2.1, R2).</summary>
    public const int MaxPacketBytes = 1275;

    /// <summary>Lowest and highest Opus bitrates (RFC 6716 §2.1.1: "from 6 kbit/s to 510 kbit/s").</summary>
    public const int MinBitrate = 6_000;

    /// <inheritdoc cref="MinBitrate"/>
    public const int MaxBitrate = 510_000;

    /// <summary>Encoder complexity range of the reference implementation (opus_defines.h, OPUS_SET_COMPLEXITY).</summary>
    public const int MinComplexity = 0;

    /// <inheritdoc cref="MinComplexity"/>
    public const int MaxComplexity = 10;

    /// <summary>Samples in a 10 ms frame at 48 kHz mono.</summary>
    public const int SamplesPer10Ms = SampleRate / 1000 * 10;

    /// <summary>Samples in a 20 ms frame at 48 kHz mono.</summary>
    public const int SamplesPer20Ms = SampleRate / 1000 * 20;

    // ---- Our choices ----

    /// <summary>Default frame: 20 ms (DESIGN.md "Media layer"); 10 ms is the low-latency option.</summary>
    public const int DefaultFrameMilliseconds = 20;

    /// <summary>About 80 bytes per 20 ms frame gives good voice (DESIGN.md "Media layer").</summary>
    public const int DefaultBitrate = 32_000;

    /// <summary>Slots in the jitter buffer: 64 frames = 1.28 s at 20 ms, far more than any sane delay.</summary>
    public const int DefaultJitterCapacityFrames = 64;

    /// <summary>Frames queued beyond the first before playout starts: 40 ms at 20 ms frames, inside the 50 ms target.</summary>
    public const int DefaultTargetDelayFrames = 2;

    /// <summary>After this long with nothing to play, the far end has stopped sending: buffer afresh.</summary>
    public const int StreamStopMilliseconds = 5_000;

    /// <summary>Samples in a frame of <paramref name="frameMilliseconds"/> (10 or 20 ms) at 48 kHz mono.</summary>
    public static int SamplesPerFrame(int frameMilliseconds) => frameMilliseconds switch
    {
        10 => SamplesPer10Ms,
        20 => SamplesPer20Ms,
        _ => throw new ArgumentOutOfRangeException(nameof(frameMilliseconds), frameMilliseconds, "Opus frames here are 10 or 20 ms"),
    };
}
