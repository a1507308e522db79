using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>The forgetting histogram against the plain definition: every bin decays by the factor per packet.</summary>
public sealed class DelayHistogramTests
{
    [Theory]
    [InlineData(0.998, 3000)]
    [InlineData(0.9, 5000)] // 1/0.9 per packet passes the rescaling threshold several times
    public void Quantiles_and_total_match_decaying_every_bin_on_every_packet(double forget, int packets)
    {
        var histogram = new DelayHistogram(forget);
        var random = new Random(7);
        var plain = new List<(int Margin, double Weight)>();
        for (int n = 0; n < packets; n++)
        {
            // Margins that drift, so old packets really are different from new ones.
            int margin = (int)(random.NextDouble() * 48 * 30) - 48 * 10 + n / 10;
            histogram.Add(margin);
            for (int i = 0; i < plain.Count; i++)
            {
                plain[i] = (plain[i].Margin, plain[i].Weight * forget);
            }

            plain.Add((margin, 1));
        }

        double total = plain.Sum(p => p.Weight);
        Assert.Equal(total, histogram.Total, total * 1e-9);
        foreach (double q in new[] { 0.02, 0.5, 0.98 })
        {
            // The plain quantile, at the same bin resolution.
            double sum = 0;
            int expected = 0;
            foreach (var (margin, weight) in plain.OrderBy(p => p.Margin))
            {
                sum += weight;
                if (sum >= q * total)
                {
                    expected = margin;
                    break;
                }
            }

            Assert.InRange(histogram.Quantile(q), expected - DelayHistogram.BinSamples, expected + DelayHistogram.BinSamples);
        }
    }

    [Fact]
    public void Clear_forgets_everything()
    {
        var histogram = new DelayHistogram(0.9);
        for (int i = 0; i < 2000; i++)
        {
            histogram.Add(100);
        }

        histogram.Clear();
        Assert.Equal(0, histogram.Total);
        histogram.Add(-480);
        Assert.Equal(1, histogram.Total, 1e-12);
        Assert.InRange(histogram.Quantile(0.5), -480 - DelayHistogram.BinSamples, -480 + DelayHistogram.BinSamples);
    }
}
