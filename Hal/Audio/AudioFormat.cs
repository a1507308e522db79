namespace PicoTalk.Hal.Audio;

/// <summary>
/// The one PCM format inside the appliance: 48 kHz, mono, signed 16-bit (DESIGN.md "Hardware
/// abstraction"; Opus's native rate, RFC 6716 §2). Devices with other formats convert at the edge.
/// </summary>
public static class AudioFormat
{
    public const int SampleRate = 48_000;
    public const int Channels = 1;
    public const int BytesPerSample = 2;

    /// <summary>Samples in a frame of <paramref name="frameMilliseconds"/> (10 or 20) at 48 kHz mono.</summary>
    public static int SamplesPerFrame(int frameMilliseconds)
    {
        if (frameMilliseconds is not (10 or 20))
        {
            throw new ArgumentOutOfRangeException(nameof(frameMilliseconds), frameMilliseconds, "audio periods are 10 or 20 ms");
        }

        return SampleRate / 1000 * frameMilliseconds;
    }
}

/// <summary>
/// A capture device. <see cref="Read"/> blocks until one whole period is captured, so the device's
/// own clock paces the sender. Used by one thread at a time.
/// </summary>
public interface IAudioSource : IDisposable
{
    /// <summary>Samples per period (480 for 10 ms, 960 for 20 ms).</summary>
    int FrameSamples { get; }

    /// <summary>Fills <paramref name="frame"/> (exactly <see cref="FrameSamples"/> long); false once
    /// the source has ended (a WAV file without looping) or was disposed.</summary>
    bool Read(Span<short> frame);
}

/// <summary>
/// A playback device. <see cref="Write"/> blocks until the device has room for one period, so the
/// device's clock paces the player. Used by one thread at a time.
/// </summary>
public interface IAudioSink : IDisposable
{
    int FrameSamples { get; }

    /// <summary>Plays one period (exactly <see cref="FrameSamples"/> long); false once disposed.</summary>
    bool Write(ReadOnlySpan<short> frame);
}
