namespace PicoTalk.Service.Media;

/// <summary>
/// The speaker and microphone gains (config audio.speaker_gain_db, audio.mic_gain_db), shared by every
/// call's media and changed live from the loop: each is one volatile float (a linear factor) that the
/// audio threads read once per period, so a change is heard from the next period on without a lock.
/// </summary>
public sealed class AudioGains
{
    private volatile float _speaker;
    private volatile float _microphone;

    public AudioGains(double speakerDb = 0, double microphoneDb = 0) => Set(speakerDb, microphoneDb);

    /// <summary>Linear factor applied to what the speaker plays.</summary>
    public float Speaker => _speaker;

    /// <summary>Linear factor applied to what the microphone captures.</summary>
    public float Microphone => _microphone;

    public void Set(double speakerDb, double microphoneDb)
    {
        _speaker = Linear(speakerDb);
        _microphone = Linear(microphoneDb);
    }

    /// <summary>dB to an amplitude factor: 10^(dB/20) (a gain of -20 dB is a tenth of the amplitude).</summary>
    public static float Linear(double db) => (float)Math.Pow(10, db / 20);

    /// <summary>
    /// Multiplies every sample by <paramref name="gain"/>, saturating at the 16-bit limits rather than
    /// wrapping (a wrapped sample is a loud click). Allocates nothing; a gain of exactly 1 returns at once.
    /// </summary>
    public static void Apply(Span<short> pcm, float gain)
    {
        if (gain == 1f)
        {
            return;
        }

        for (int i = 0; i < pcm.Length; i++)
        {
            float scaled = MathF.Round(pcm[i] * gain);
            pcm[i] = scaled >= short.MaxValue ? short.MaxValue : scaled <= short.MinValue ? short.MinValue : (short)scaled;
        }
    }

    /// <summary>Quietest level <see cref="LevelDb"/> reports: digital silence has no finite dB.</summary>
    public const double SilenceDb = -100;

    /// <summary>
    /// The RMS level of <paramref name="pcm"/> in dBFS: 20·log10(rms / 32768), so a full-scale square
    /// wave is 0 dB and a full-scale sine about -3 dB; never below <see cref="SilenceDb"/>. Allocates nothing.
    /// </summary>
    public static double LevelDb(ReadOnlySpan<short> pcm)
    {
        if (pcm.IsEmpty)
        {
            return SilenceDb;
        }

        double sum = 0;
        foreach (short s in pcm)
        {
            sum += (double)s * s;
        }

        double rms = Math.Sqrt(sum / pcm.Length);
        return rms <= 0 ? SilenceDb : Math.Max(SilenceDb, 20 * Math.Log10(rms / 32768.0));
    }
}
