namespace PicoTalk.Protocol.Tests.Media;

/// <summary>Synthetic test audio at 48 kHz mono, and the measurements the codec tests make on it.</summary>
internal static class Signals
{
    private const double Rate = 48_000;

    /// <summary>440 Hz + 1 kHz, each at a quarter of full scale.</summary>
    public static short[] Tones(int samples)
    {
        var pcm = new short[samples];
        for (int n = 0; n < samples; n++)
        {
            double t = n / Rate;
            pcm[n] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * t) + 8000 * Math.Sin(2 * Math.PI * 1000 * t));
        }

        return pcm;
    }

    /// <summary>
    /// Speech-like: a vowel (a gliding pulse train, pitch 110..190 Hz, its harmonics shaped by formants
    /// at 700 and 1200 Hz) mixed with noise through the same formant resonators (the breathy, noise-like
    /// part), under a 3 Hz syllable envelope. Little energy sits below 200 Hz, where the VOIP
    /// encoder's high-pass filter would change the waveform without changing what is heard.
    /// </summary>
    public static short[] SpeechLike(int samples, int seed, double voicedShare = 0.6)
    {
        const double FormantRadius = 0.97;
        var random = new Random(seed);
        var pcm = new short[samples];
        double a1 = 2 * FormantRadius * Math.Cos(2 * Math.PI * 700 / Rate);
        double b1 = 2 * FormantRadius * Math.Cos(2 * Math.PI * 1200 / Rate);
        double r2 = -FormantRadius * FormantRadius;
        double phase = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
        for (int n = 0; n < samples; n++)
        {
            double t = n / Rate;
            double pitch = 150 + 40 * Math.Sin(2 * Math.PI * 1.3 * t);
            phase += 2 * Math.PI * pitch / Rate;
            double voiced = 0;
            for (int k = 1; k <= 30; k++)
            {
                voiced += Math.Sin(k * phase) * FormantGain(k * pitch) * 0.5;
            }

            double excitation = random.NextDouble() * 2 - 1;
            double y = excitation + a1 * y1 + r2 * y2;
            double z = excitation + b1 * z1 + r2 * z2;
            (y2, y1, z2, z1) = (y1, y, z1, z);
            double noise = (y + z) * 0.03;

            double envelope = 0.6 - 0.4 * Math.Cos(2 * Math.PI * 3 * t);
            double x = envelope * (voicedShare * voiced * 0.5 + (1 - voicedShare) * noise);
            pcm[n] = (short)Math.Clamp(x * 12000, short.MinValue, short.MaxValue);
        }

        return pcm;
    }

    /// <summary>Frame k of 20 s of <see cref="SpeechLike"/> speech, looped: a sender for simulations of any length.</summary>
    public static Func<int, short[]> SpeechLikeFrames(int frameSamples, int seed)
    {
        short[] speech = SpeechLike(20 * (int)Rate / frameSamples * frameSamples, seed);
        int frames = speech.Length / frameSamples;
        return k => speech.AsSpan(k % frames * frameSamples, frameSamples).ToArray();
    }

    /// <summary>A vowel's spectral envelope: peaks at 700 Hz and 1200 Hz (roughly /a/) over a floor.</summary>
    private static double FormantGain(double frequency) =>
        1 / (1 + Math.Pow((frequency - 700) / 250, 2)) + 0.7 / (1 + Math.Pow((frequency - 1200) / 300, 2)) + 0.1;

    /// <summary>Voiced sound whose pitch steps to a new value every 60 ms: what concealment cannot guess.</summary>
    public static short[] SteppedVowel(int samples, int seed)
    {
        var random = new Random(seed);
        var pcm = new short[samples];
        double phase = 0;
        double pitch = 150;
        int step = (int)(Rate * 0.06);
        for (int n = 0; n < samples; n++)
        {
            if (n % step == 0)
            {
                pitch = 100 + random.Next(0, 150);
            }

            phase += 2 * Math.PI * pitch / Rate;
            double x = 0;
            for (int k = 1; k <= 10; k++)
            {
                x += Math.Sin(k * phase) / k;
            }

            pcm[n] = (short)(x * 7000);
        }

        return pcm;
    }

    /// <summary>Pearson correlation of two equally long sample runs.</summary>
    public static double Correlation(ReadOnlySpan<short> a, ReadOnlySpan<short> b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            throw new ArgumentException("runs must be equally long and not empty");
        }

        double meanA = 0, meanB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= a.Length;
        meanB /= b.Length;
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i] - meanA, y = b[i] - meanB;
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }

        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }

    /// <summary>
    /// The codec delay: the lag (output behind input) in 0..maxLag with the best correlation of
    /// output[lag + skip ..] against input[skip ..]; returns that correlation too.
    /// </summary>
    public static (int Lag, double Correlation) Align(short[] input, short[] output, int maxLag, int skip)
    {
        int length = Math.Min(input.Length, output.Length) - maxLag - skip;
        int bestLag = 0;
        double best = double.MinValue;
        for (int lag = 0; lag <= maxLag; lag++)
        {
            double c = Correlation(input.AsSpan(skip, length), output.AsSpan(skip + lag, length));
            if (c > best)
            {
                best = c;
                bestLag = lag;
            }
        }

        return (bestLag, best);
    }

    public static int PeakAbs(ReadOnlySpan<short> pcm)
    {
        int peak = 0;
        foreach (short s in pcm)
        {
            peak = Math.Max(peak, Math.Abs((int)s));
        }

        return peak;
    }
}
