using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Support;

public sealed class AudioFiltersTests
{
    private const int Rate = 48_000;

    [Theory]
    [InlineData(1000, 0.95, 1.05)]
    [InlineData(400, 0.85, 1.05)]
    [InlineData(3000, 0.85, 1.05)]
    [InlineData(50, 0, 0.1)]
    [InlineData(10_000, 0, 0.1)]
    public void The_band_pass_keeps_speech_frequencies_and_cuts_the_rest(double hz, double least, double most)
    {
        var tone = new short[Rate];
        for (int i = 0; i < tone.Length; i++)
        {
            tone[i] = (short)(10_000 * Math.Sin(2 * Math.PI * hz * i / Rate));
        }

        short[] filtered = AudioFilters.BandPass(tone, Rate);

        // After the filters' transient: the second half.
        double gain = AudioAnalysis.ToneMagnitude(filtered.AsSpan(Rate / 2), Rate, hz) / 10_000;
        Assert.InRange(gain, least, most);
    }
}
