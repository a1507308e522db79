namespace PicoTalk.TestSupport;

/// <summary>
/// Filters for comparing speech that went through processing which legitimately changes its band:
/// an adaptive bitrate that narrows Opus to wideband, an echo canceller's DC notch. Both signals
/// are filtered alike, so phase shifts cancel out of a correlation.
/// </summary>
public static class AudioFilters
{
    /// <summary>
    /// The telephone band and a little more: a 4th-order Butterworth high-pass at
    /// <paramref name="lowHz"/> and low-pass at <paramref name="highHz"/> (two cascaded biquads
    /// each, coefficients from R. Bristow-Johnson's "Audio EQ Cookbook", Q = 0.5412 and 1.3066 for
    /// a Butterworth pair).
    /// </summary>
    public static short[] BandPass(ReadOnlySpan<short> samples, int sampleRate, double lowHz = 200, double highHz = 4000)
    {
        var x = new double[samples.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = samples[i];
        }

        foreach (double q in new[] { 0.5412, 1.3066 })
        {
            Biquad(x, sampleRate, lowHz, q, highPass: true);
            Biquad(x, sampleRate, highHz, q, highPass: false);
        }

        var result = new short[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            result[i] = (short)Math.Clamp(Math.Round(x[i]), short.MinValue, short.MaxValue);
        }

        return result;
    }

    private static void Biquad(double[] x, int sampleRate, double frequency, double q, bool highPass)
    {
        double w0 = 2 * Math.PI * frequency / sampleRate;
        double cos = Math.Cos(w0), alpha = Math.Sin(w0) / (2 * q);
        double b0 = highPass ? (1 + cos) / 2 : (1 - cos) / 2;
        double b1 = highPass ? -(1 + cos) : 1 - cos;
        double b2 = b0;
        double a0 = 1 + alpha, a1 = -2 * cos, a2 = 1 - alpha;
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double input = x[i];
            double y = (b0 * input + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
            x2 = x1;
            x1 = input;
            y2 = y1;
            y1 = y;
            x[i] = y;
        }
    }
}
