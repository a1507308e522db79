namespace PicoTalk.Protocol.Media;

/// <summary>
/// Decoded audio waiting for the speaker, and the time-scale modification that moves the playout
/// delay without a gap: a pitch period is removed to catch up or repeated to wait longer, each
/// splice an overlap-add crossfade between two stretches of signal that look alike (WSOLA, the
/// "accelerate" and "preemptive expand" operations of WebRTC's NetEq).
/// </summary>
/// <remarks>
/// <code>
///  shorten by L:  a[0..L) ╲╱ a[L..2L)  then a[2L..]        (L samples fewer)
///  stretch by L:  a[0..L)  then a[L..2L) ╲╱ a[0..L)  then a[L..]   (L samples more)
/// </code>
/// where ╲╱ fades the first stretch out while the second fades in. L is chosen where the signal
/// best matches itself one period later (normalised cross-correlation over the pitch range
/// 2.5 to 16 ms, 62 to 400 Hz), so voiced speech keeps its waveform; each end of a splice joins the
/// samples it joined before, so there is no step in the output. Samples live in one linear array
/// (compacted as the front is consumed), which keeps every operation a span copy and allocates
/// nothing after construction. Not thread-safe: <see cref="ReceiveStream"/> holds its lock.
/// </remarks>
public sealed class PlayoutBuffer
{
    // ---- Our choices ----

    /// <summary>Shortest period spliced: 2.5 ms (a 400 Hz voice).</summary>
    public const int MinLag = MediaConstants.SampleRate / 400;

    /// <summary>Longest period spliced: 16 ms (a 62 Hz voice).</summary>
    public const int MaxLag = MediaConstants.SampleRate * 16 / 1000;

    /// <summary>The search runs on every 4th sample (a 12 kHz view, enough for pitch), then refines.</summary>
    private const int Decimation = 4;

    /// <summary>Below this mean square (about -50 dBFS) a stretch is quiet: any lag splices inaudibly.</summary>
    private const double QuietMeanSquare = 32768.0 * 32768.0 * 1e-5;

    private readonly short[] _samples;
    private int _start;
    private int _end;

    /// <param name="capacitySamples">Most samples held; <see cref="Append"/> beyond it drops the oldest.</param>
    public PlayoutBuffer(int capacitySamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacitySamples, 4 * MaxLag);
        _samples = new short[2 * capacitySamples];
        Capacity = capacitySamples;
    }

    public int Capacity { get; }

    /// <summary>Samples queued.</summary>
    public int Count => _end - _start;

    /// <summary>Samples discarded by <see cref="Append"/> because the buffer was full.</summary>
    public long Overflowed { get; private set; }

    public void Clear() => _start = _end = 0;

    /// <summary>Reserves <paramref name="count"/> samples at the end for a decoder to write into;
    /// <see cref="Commit"/> then keeps as many as it wrote.</summary>
    public Span<short> Reserve(int count)
    {
        if (Count + count > Capacity)
        {
            int drop = Count + count - Capacity;
            Overflowed += drop;
            _start += drop;
        }

        if (_end + count > _samples.Length)
        {
            _samples.AsSpan(_start, Count).CopyTo(_samples);
            _end -= _start;
            _start = 0;
        }

        return _samples.AsSpan(_end, count);
    }

    public void Commit(int count) => _end += count;

    public void Append(ReadOnlySpan<short> pcm)
    {
        pcm.CopyTo(Reserve(pcm.Length));
        Commit(pcm.Length);
    }

    /// <summary>Moves the oldest <paramref name="destination"/>.Length samples out; false (and nothing
    /// taken) when fewer are queued.</summary>
    public bool TryTake(Span<short> destination)
    {
        if (Count < destination.Length)
        {
            return false;
        }

        _samples.AsSpan(_start, destination.Length).CopyTo(destination);
        _start += destination.Length;
        return true;
    }

    /// <summary>Discards the oldest <paramref name="count"/> samples (a hard skip, for emergencies).</summary>
    public void Discard(int count) => _start += Math.Min(count, Count);

    /// <summary>
    /// Removes one period of at most <paramref name="maxSamples"/> from the front of the queue;
    /// returns the samples removed, 0 when too little is queued for a period of at least
    /// <see cref="MinLag"/>.
    /// </summary>
    public int Shorten(int maxSamples)
    {
        int lag = BestLag(Math.Min(maxSamples, Count / 2));
        if (lag == 0)
        {
            return 0;
        }

        Span<short> a = _samples.AsSpan(_start, Count);
        // a[0..lag) fading out over a[lag..2lag) fading in, written where a[lag..2lag) was, then
        // the front moves past the first period.
        Crossfade(a[..lag], a.Slice(lag, lag), a.Slice(lag, lag));
        _start += lag;
        return lag;
    }

    /// <summary>
    /// Repeats one period near the front of the queue (at most <paramref name="maxSamples"/>, at
    /// least <see cref="MinLag"/>); returns the samples added, 0 when too little is queued.
    /// </summary>
    public int Stretch(int maxSamples)
    {
        int lag = BestLag(Math.Min(maxSamples, Count / 2));
        if (lag == 0 || Count + lag > Capacity)
        {
            return 0;
        }

        // Make room for one more period in front of the data, then write a[0..lag) there: the
        // queue becomes a[0..lag), a[0..lag)' , a[lag..] where the second copy is a[lag..2lag)
        // fading into a[0..lag).
        if (_start < lag)
        {
            int count = Count;
            int shift = lag - _start;
            if (_end + shift > _samples.Length)
            {
                return 0;
            }

            _samples.AsSpan(_start, count).CopyTo(_samples.AsSpan(lag, count));
            _start = lag;
            _end = lag + count;
        }

        Span<short> old = _samples.AsSpan(_start, Count);
        Span<short> front = _samples.AsSpan(_start - lag, lag);
        old[..lag].CopyTo(front);
        // The old first period becomes the crossfade from a[lag..2lag) into a[0..lag).
        Crossfade(old.Slice(lag, lag), front, old[..lag]);
        _start -= lag;
        return lag;
    }

    /// <summary>
    /// The period in [<see cref="MinLag"/>, <paramref name="maxLag"/>] at which the queued signal best
    /// matches itself (0 if <paramref name="maxLag"/> is below <see cref="MinLag"/>). A quiet front
    /// takes the longest allowed lag: nothing to match, and one splice moves the most delay.
    /// </summary>
    private int BestLag(int maxLag)
    {
        maxLag = Math.Min(maxLag, MaxLag);
        if (maxLag < MinLag)
        {
            return 0;
        }

        // Each candidate period is compared with the one after it.
        ReadOnlySpan<short> a = _samples.AsSpan(_start, Count);
        if (MeanSquare(a[..(2 * maxLag)]) < QuietMeanSquare)
        {
            return maxLag;
        }

        int best = MinLag;
        double bestScore = double.NegativeInfinity;
        for (int lag = MinLag; lag <= maxLag; lag += Decimation)
        {
            double score = Similarity(a, lag, lag, Decimation);
            if (score > bestScore)
            {
                (best, bestScore) = (lag, score);
            }
        }

        // Refine around the coarse pick at full resolution.
        int coarse = best;
        bestScore = Similarity(a, coarse, coarse, 1);
        for (int lag = Math.Max(MinLag, coarse - Decimation + 1); lag <= Math.Min(maxLag, coarse + Decimation - 1); lag++)
        {
            double score = Similarity(a, lag, lag, 1);
            if (score > bestScore)
            {
                (best, bestScore) = (lag, score);
            }
        }

        return best;
    }

    /// <summary>Normalised cross-correlation of a[0..n) with a[lag..lag+n), every <paramref name="step"/>th sample.</summary>
    private static double Similarity(ReadOnlySpan<short> a, int lag, int n, int step)
    {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < n; i += step)
        {
            double x = a[i], y = a[lag + i];
            xy += x * y;
            xx += x * x;
            yy += y * y;
        }

        return xx == 0 || yy == 0 ? 0 : xy / Math.Sqrt(xx * yy);
    }

    private static double MeanSquare(ReadOnlySpan<short> a)
    {
        double sum = 0;
        foreach (short s in a)
        {
            sum += (double)s * s;
        }

        return a.Length == 0 ? 0 : sum / a.Length;
    }

    /// <summary>destination[i] = from[i] fading out + to[i] fading in (raised-cosine weights, which
    /// sum to one, so correlated signals keep their level). destination may alias either input.</summary>
    private static void Crossfade(ReadOnlySpan<short> from, ReadOnlySpan<short> to, Span<short> destination)
    {
        int n = destination.Length;
        for (int i = 0; i < n; i++)
        {
            double w = 0.5 - 0.5 * Math.Cos(Math.PI * (i + 0.5) / n);
            double v = (1 - w) * from[i] + w * to[i];
            destination[i] = (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue);
        }
    }
}
