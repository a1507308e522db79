namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>
/// A microphone through ALSA: an <see cref="AlsaPcm"/> opened for capture
/// (SND_PCM_STREAM_CAPTURE), 48 kHz mono S16_LE. <see cref="Read"/> blocks until the card has
/// captured one period, so the card's clock paces the sender (no <see cref="AudioPacer"/>).
/// Overruns (the reader was late and the card's buffer overflowed) are recovered and counted.
/// </summary>
/// <remarks>Read allocates nothing. Dispose is safe from another thread while Read blocks
/// (see <see cref="AlsaPcm"/>): the blocked Read returns false within
/// <see cref="AlsaPcm.WaitSliceMilliseconds"/>.</remarks>
public sealed unsafe class AlsaSource : IAudioSource
{
    private readonly AlsaPcm _pcm;

    /// <exception cref="AlsaException">the device cannot be opened or set up; the message says why.</exception>
    public AlsaSource(string device, int frameMs)
    {
        _pcm = AlsaPcm.Open(device, AlsaStream.Capture, frameMs);
    }

    public int FrameSamples => _pcm.PeriodFrames;

    public string Device => _pcm.Device;

    /// <summary>The open PCM (its stream direction, negotiated sizes, stall timeout).</summary>
    public AlsaPcm Pcm => _pcm;

    /// <summary>Capture overruns recovered (snd_pcm_readi returned -EPIPE): periods were lost.</summary>
    public long Overruns => _pcm.Xruns;

    /// <summary>Suspends recovered (-ESTRPIPE).</summary>
    public long Suspends => _pcm.Suspends;

    /// <exception cref="AlsaException">the device failed in a way snd_pcm_recover cannot mend, or stalled.</exception>
    public bool Read(Span<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"frame must be {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        fixed (short* samples = frame)
        {
            return _pcm.Transfer(samples, frame.Length);
        }
    }

    public void Dispose() => _pcm.Dispose();
}
