namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>
/// A speaker through ALSA: an <see cref="AlsaPcm"/> opened for playback
/// (SND_PCM_STREAM_PLAYBACK), 48 kHz mono S16_LE. <see cref="Write"/> blocks until the card has room
/// for one period, so the card's clock paces the player (no <see cref="AudioPacer"/>). Playback
/// starts once <see cref="AlsaPcm.PlaybackStartPeriods"/> periods are queued; underruns (the writer
/// was late and the card ran dry) are recovered and counted, and playback starts again.
/// </summary>
/// <remarks>Write allocates nothing. Dispose drops what is still queued (at most
/// <see cref="AlsaPcm.PlaybackBufferPeriods"/> periods) and is safe from another thread while Write
/// blocks (see <see cref="AlsaPcm"/>).</remarks>
public sealed unsafe class AlsaSink : IAudioSink
{
    private readonly AlsaPcm _pcm;

    /// <exception cref="AlsaException">the device cannot be opened or set up; the message says why.</exception>
    public AlsaSink(string device, int frameMs)
    {
        _pcm = AlsaPcm.Open(device, AlsaStream.Playback, frameMs);
    }

    public int FrameSamples => _pcm.PeriodFrames;

    public string Device => _pcm.Device;

    /// <summary>The open PCM (its stream direction, negotiated sizes, stall timeout).</summary>
    public AlsaPcm Pcm => _pcm;

    /// <summary>Playback underruns recovered (snd_pcm_writei returned -EPIPE): the speaker went silent.</summary>
    public long Underruns => _pcm.Xruns;

    /// <summary>Suspends recovered (-ESTRPIPE).</summary>
    public long Suspends => _pcm.Suspends;

    /// <exception cref="AlsaException">the device failed in a way snd_pcm_recover cannot mend, or stalled.</exception>
    public bool Write(ReadOnlySpan<short> frame)
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
