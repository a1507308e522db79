namespace PicoTalk.TestSupport;

/// <summary>Measurements tests make on audio: alignment and similarity, level, tone magnitude.</summary>
public static class AudioAnalysis
{
    // Coarse-to-fine: signals at least this long are first aligned at 1/Decimation of the rate.
    private const int CoarseMinimumSamples = 8192;
    private const int Decimation = 8;
    private const int CoarseCandidates = 3;
    // A refined alignment scoring below this falls back to the exhaustive full-rate search.
    private const double CoarseAcceptScore = 0.5;

    /// <summary>
    /// Finds the lag L in [-maxLagSamples, +maxLagSamples] at which <paramref name="received"/>[n + L]
    /// best matches <paramref name="reference"/>[n] (positive L: the received audio is late), by the
    /// normalised cross-correlation sum(ref * rec) / sqrt(E_ref * E_rec) over the overlapping parts,
    /// and returns it with the Pearson correlation of the aligned overlap (1 for an exact delayed
    /// copy, about 0 for unrelated audio). Lags whose overlap is shorter than half the shorter signal
    /// are not considered, so a few samples at an edge cannot win by chance.
    /// <para>
    /// Speed (test assemblies run unoptimised on a shared 2-core machine): long signals are averaged
    /// in blocks of 8 (a crude low-pass; speech lives well below the 3 kHz it keeps) and aligned at
    /// 6 kHz with an FFT; the best coarse lags are then refined, best first, at full rate by direct dot
    /// products within ±2 blocks. If that finds no convincing match (normalised score under 0.5) the
    /// exhaustive full-rate FFT search decides. 5 s with 1 s of lag takes tens of milliseconds.
    /// </para>
    /// </summary>
    public static (int lag, double correlation) Align(ReadOnlySpan<short> reference, ReadOnlySpan<short> received, int maxLagSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLagSamples);
        if (reference.IsEmpty || received.IsEmpty)
        {
            throw new ArgumentException("both signals must hold samples");
        }

        var a = new Signal(reference);
        var b = new Signal(received);
        int lowest = Math.Max(-maxLagSamples, -(a.Length - 1));
        int highest = Math.Min(maxLagSamples, b.Length - 1);
        int minOverlap = Math.Max(1, Math.Min(a.Length, b.Length) / 2);

        int bestLag = int.MinValue;
        double bestScore = double.NegativeInfinity;
        if (Math.Min(a.Length, b.Length) >= CoarseMinimumSamples)
        {
            var coarseA = new Signal(a.Decimate(Decimation));
            var coarseB = new Signal(b.Decimate(Decimation));
            int coarseMinOverlap = Math.Max(1, Math.Min(coarseA.Length, coarseB.Length) / 2);
            foreach (int coarse in BestLags(coarseA, coarseB, lowest / Decimation, highest / Decimation, coarseMinOverlap, CoarseCandidates))
            {
                int from = Math.Max(lowest, coarse * Decimation - 2 * Decimation);
                int to = Math.Min(highest, coarse * Decimation + 2 * Decimation);
                for (int lag = from; lag <= to; lag++)
                {
                    double score = DirectScore(a, b, lag, minOverlap);
                    if (score > bestScore)
                    {
                        (bestScore, bestLag) = (score, lag);
                    }
                }

                if (bestScore >= CoarseAcceptScore)
                {
                    break; // the best coarse peak held up at full rate: the others are lower
                }
            }
        }

        if (bestScore < CoarseAcceptScore)
        {
            var best = BestLags(a, b, lowest, highest, minOverlap, 1);
            if (best.Count == 0)
            {
                throw new ArgumentException($"no lag within ±{maxLagSamples} overlaps at least {minOverlap} samples");
            }

            bestLag = best[0];
        }

        int start = Math.Max(0, -bestLag);
        int end = Math.Min(a.Length, b.Length - bestLag);
        return (bestLag, Pearson(reference[start..end], received[(start + bestLag)..(end + bestLag)]));
    }

    /// <summary>
    /// The <paramref name="count"/> lags in [lowest, highest] with the highest normalised
    /// cross-correlation (at least 3 apart, so one broad peak counts once), all lags at once by FFT.
    /// </summary>
    private static List<int> BestLags(Signal a, Signal b, int lowest, int highest, int minOverlap, int count)
    {
        // Circular correlation equals linear correlation for |lag| <= L once the padded size is at
        // least the longer signal plus L; that is all the lags asked for.
        int size = 2;
        while (size < Math.Max(a.Length, b.Length) + Math.Max(-lowest, highest) + 1)
        {
            size <<= 1;
        }

        // Both real signals in one complex transform, z = a + i*b; their spectra are
        // A[k] = (Z[k] + conj(Z[-k])) / 2 and B[k] = (Z[k] - conj(Z[-k])) / 2i.
        var re = new double[size];
        var im = new double[size];
        a.Samples.CopyTo(re, 0);
        b.Samples.CopyTo(im, 0);
        Fft.Transform(re, im, inverse: false);
        var cRe = new double[size];
        var cIm = new double[size];
        for (int k = 0; k < size; k++)
        {
            int m = (size - k) & (size - 1);
            double aRe = (re[k] + re[m]) / 2, aIm = (im[k] - im[m]) / 2;
            double bRe = (im[k] + im[m]) / 2, bIm = (re[m] - re[k]) / 2;
            // conj(A) * B: its inverse transform is c[lag] = sum_n a[n] * b[n + lag], negative lags
            // wrapping to size + lag.
            cRe[k] = aRe * bRe + aIm * bIm;
            cIm[k] = aRe * bIm - aIm * bRe;
        }

        Fft.Transform(cRe, cIm, inverse: true);

        var scores = new double[Math.Max(0, highest - lowest + 1)];
        for (int lag = lowest; lag <= highest; lag++)
        {
            double raw = cRe[lag >= 0 ? lag : size + lag] / size;
            scores[lag - lowest] = a.Normalise(b, lag, raw, minOverlap);
        }

        var best = new List<int>();
        for (int pick = 0; pick < count; pick++)
        {
            int found = -1;
            for (int i = 0; i < scores.Length; i++)
            {
                if (!double.IsNegativeInfinity(scores[i]) && (found < 0 || scores[i] > scores[found])
                    && best.TrueForAll(lag => Math.Abs(lag - (i + lowest)) >= 3))
                {
                    found = i;
                }
            }

            if (found < 0)
            {
                break;
            }

            best.Add(found + lowest);
        }

        return best;
    }

    private static double DirectScore(Signal a, Signal b, int lag, int minOverlap)
    {
        int lo = Math.Max(0, -lag);
        int hi = Math.Min(a.Length, b.Length - lag);
        double dot = 0;
        var x = a.Samples;
        var y = b.Samples;
        for (int n = lo; n < hi; n++)
        {
            dot += x[n] * y[n + lag];
        }

        return a.Normalise(b, lag, dot, minOverlap);
    }

    /// <summary>A signal as doubles with the prefix sums of its energy (for any overlap's energy in O(1)).</summary>
    private sealed class Signal
    {
        public Signal(ReadOnlySpan<short> samples)
            : this(ToDoubles(samples))
        {
        }

        public Signal(double[] samples)
        {
            Samples = samples;
            Energy = new double[samples.Length + 1];
            for (int i = 0; i < samples.Length; i++)
            {
                Energy[i + 1] = Energy[i] + samples[i] * samples[i];
            }
        }

        public double[] Samples { get; }

        public double[] Energy { get; }

        public int Length => Samples.Length;

        /// <summary>Block averages of <paramref name="factor"/> samples.</summary>
        public double[] Decimate(int factor)
        {
            var result = new double[Length / factor];
            for (int i = 0; i < result.Length; i++)
            {
                double sum = 0;
                for (int j = 0; j < factor; j++)
                {
                    sum += Samples[i * factor + j];
                }

                result[i] = sum / factor;
            }

            return result;
        }

        /// <summary>raw / sqrt(energies of the overlap at <paramref name="lag"/>); -inf if the overlap is too short.</summary>
        public double Normalise(Signal received, int lag, double raw, int minOverlap)
        {
            int lo = Math.Max(0, -lag);
            int hi = Math.Min(Length, received.Length - lag);
            if (hi - lo < minOverlap)
            {
                return double.NegativeInfinity;
            }

            double energy = (Energy[hi] - Energy[lo]) * (received.Energy[hi + lag] - received.Energy[lo + lag]);
            return energy > 0 ? raw / Math.Sqrt(energy) : 0;
        }

        private static double[] ToDoubles(ReadOnlySpan<short> samples)
        {
            var result = new double[samples.Length];
            for (int i = 0; i < samples.Length; i++)
            {
                result[i] = samples[i];
            }

            return result;
        }
    }

    /// <summary>
    /// Correlation of <paramref name="received"/> with <paramref name="reference"/> when the delay
    /// between them drifts, as it does behind an adaptive jitter buffer that stretches and shortens
    /// the audio: the whole signals are aligned once, then every window of
    /// <paramref name="windowSamples"/> of the received audio is aligned again within
    /// ±<paramref name="driftSamples"/> of that, and the windows' correlations are averaged weighted
    /// by their energy (silent windows count for nothing). Returns the average and the global lag.
    /// </summary>
    public static (double correlation, int lag) WindowedCorrelation(ReadOnlySpan<short> reference, ReadOnlySpan<short> received,
        int maxLagSamples, int windowSamples, int driftSamples)
    {
        var (lag, _) = Align(reference, received, maxLagSamples);
        double weighted = 0, weights = 0;
        for (int start = Math.Max(0, lag); start + windowSamples <= received.Length; start += windowSamples)
        {
            int from = start - lag - driftSamples;
            int to = start - lag + windowSamples + driftSamples;
            if (from < 0 || to > reference.Length)
            {
                continue;
            }

            ReadOnlySpan<short> window = received.Slice(start, windowSamples);
            double energy = Rms(window);
            if (energy < 30)
            {
                continue;
            }

            var (_, r) = Align(reference[from..to], window, 2 * driftSamples);
            weighted += r * energy;
            weights += energy;
        }

        return (weights == 0 ? 0 : weighted / weights, lag);
    }

    /// <summary>Pearson correlation coefficient of two equally long signals (0 if either is constant).</summary>
    public static double Pearson(ReadOnlySpan<short> x, ReadOnlySpan<short> y)
    {
        if (x.Length != y.Length || x.IsEmpty)
        {
            throw new ArgumentException("signals must be non-empty and equally long");
        }

        double meanX = 0, meanY = 0;
        for (int i = 0; i < x.Length; i++)
        {
            meanX += x[i];
            meanY += y[i];
        }

        meanX /= x.Length;
        meanY /= y.Length;
        double cov = 0, varX = 0, varY = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - meanX;
            double dy = y[i] - meanY;
            cov += dx * dy;
            varX += dx * dx;
            varY += dy * dy;
        }

        return varX > 0 && varY > 0 ? cov / Math.Sqrt(varX * varY) : 0;
    }

    /// <summary>Root mean square in sample units (0 for an empty span; a full-scale sine gives about 23170).</summary>
    public static double Rms(ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        foreach (short s in samples)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>
    /// Amplitude (peak, in sample units) of the <paramref name="frequency"/> component, by the
    /// Goertzel algorithm (Goertzel 1958; generalised to any frequency, not only bin centres): a sine
    /// of amplitude A at that frequency over a whole number of cycles gives A; other frequencies
    /// give close to 0 once they are a few 1/duration apart.
    /// </summary>
    public static double ToneMagnitude(ReadOnlySpan<short> samples, int sampleRate, double frequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (!(frequency >= 0 && frequency <= sampleRate / 2.0))
        {
            throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "must be in 0..sampleRate/2");
        }

        if (samples.IsEmpty)
        {
            return 0;
        }

        double coeff = 2 * Math.Cos(2 * Math.PI * frequency / sampleRate);
        double s1 = 0, s2 = 0;
        foreach (short x in samples)
        {
            double s = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }

        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * Math.Sqrt(Math.Max(0, power)) / samples.Length;
    }
}
