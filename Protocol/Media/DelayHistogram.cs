namespace PicoTalk.Protocol.Media;

/// <summary>
/// How early recent packets arrived before the speaker needed them (their "margin", in samples,
/// here as deviations from the recent mean margin: see ReceiveStream.AddMargin), as a histogram
/// that forgets: each packet weighs a forgetting factor less than the next, so the last few
/// seconds count and older ones fade (the inter-arrival histogram of WebRTC's NetEq
/// DelayManager, kept on margins instead of arrival gaps because margins also see clock drift).
/// A low quantile of it is how much later than usual the latest packets come; the playout
/// controller keeps the mean margin plus that quantile above a small floor. Bins are 0.5 ms wide from -100 ms to +412 ms; outliers land in the
/// end bins. No allocation after construction.
/// </summary>
public sealed class DelayHistogram
{
    /// <summary>Samples per bin: 0.5 ms at 48 kHz.</summary>
    public const int BinSamples = MediaConstants.SampleRate / 2000;

    private const int Bins = 1024;

    /// <summary>The margin of bin 0's lower edge: -100 ms.</summary>
    private const int LowestMargin = -200 * BinSamples;

    /// <summary>Above this the stored weights are scaled back to 1 (doubles reach 1e308).</summary>
    private const double RescaleAbove = 1e150;

    // Rather than scaling all 1024 bins down on every packet, each packet is added with a weight
    // 1/forget larger than the one before: the same proportions, O(1) per packet. Stored values are
    // the true weights times _weight; now and then everything is scaled back.
    private readonly double[] _bins = new double[Bins];
    private readonly double _forget;
    private double _total;
    private double _weight = 1;

    /// <param name="forgettingFactor">Weight kept per new packet: 0.998 remembers about 500 packets
    /// (10 s of 20 ms frames) with half the weight in the last 350.</param>
    public DelayHistogram(double forgettingFactor)
    {
        if (forgettingFactor is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(forgettingFactor), forgettingFactor, "must be between 0 and 1");
        }

        _forget = forgettingFactor;
    }

    /// <summary>Weight of what is remembered; 0 before the first packet.</summary>
    public double Total => _total / _weight;

    public void Clear()
    {
        Array.Clear(_bins);
        _total = 0;
        _weight = 1;
    }

    public void Add(int marginSamples)
    {
        _weight /= _forget;
        if (_weight > RescaleAbove)
        {
            for (int i = 0; i < Bins; i++)
            {
                _bins[i] /= _weight;
            }

            _total /= _weight;
            _weight = 1;
        }

        _bins[BinOf(marginSamples)] += _weight;
        _total += _weight;
    }

    /// <summary>The margin (samples, bin centre) below which a share <paramref name="q"/> of the
    /// remembered packets fell; 0 when nothing is remembered.</summary>
    public int Quantile(double q)
    {
        if (_total <= 0)
        {
            return 0;
        }

        double wanted = q * _total, sum = 0;
        for (int i = 0; i < Bins; i++)
        {
            sum += _bins[i];
            if (sum >= wanted)
            {
                return LowestMargin + i * BinSamples + BinSamples / 2;
            }
        }

        return LowestMargin + Bins * BinSamples - BinSamples / 2;
    }

    private static int BinOf(int marginSamples) =>
        Math.Clamp((int)Math.Floor((marginSamples - LowestMargin) / (double)BinSamples), 0, Bins - 1);
}
