namespace PicoTalk.TestSupport;

/// <summary>
/// An in-place iterative radix-2 complex FFT (Cooley-Tukey 1965, decimation in time after a
/// bit-reversal permutation), enough for test-time cross-correlation of a few seconds of audio.
/// Forward uses e^{-2 pi i k n / N}; the inverse is unscaled (divide by N yourself). Twiddles are
/// laid out stage by stage (a stage of half-length h reads entries h-1 .. 2h-2) so every stage
/// reads them sequentially: test assemblies are built without optimisation, so memory order counts.
/// </summary>
internal static class Fft
{
    public static void Transform(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        if (n != im.Length || n < 2 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException("FFT length must be a power of two (at least 2) and the same for both parts");
        }

        BitReverse(re, im);
        var (cos, sin) = Twiddles(n, inverse);
        for (int half = 1; half < n; half <<= 1)
        {
            int len = half << 1;
            int table = half - 1;
            for (int start = 0; start < n; start += len)
            {
                for (int k = 0; k < half; k++)
                {
                    double wr = cos[table + k];
                    double wi = sin[table + k];
                    int a = start + k;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }

    private static void BitReverse(double[] re, double[] im)
    {
        int n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j |= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
    }

    private static (double[] Cos, double[] Sin) Twiddles(int n, bool inverse)
    {
        var cos = new double[n - 1];
        var sin = new double[n - 1];
        double sign = inverse ? 1 : -1;
        for (int half = 1; half < n; half <<= 1)
        {
            for (int k = 0; k < half; k++)
            {
                double angle = Math.PI * k / half;
                cos[half - 1 + k] = Math.Cos(angle);
                sin[half - 1 + k] = sign * Math.Sin(angle);
            }
        }

        return (cos, sin);
    }
}
