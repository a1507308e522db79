using System.Diagnostics;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Support;

public class AudioAnalysisTests
{
    [Fact]
    public void A_delayed_copy_aligns_at_its_delay_with_correlation_one()
    {
        var reference = WavTestFiles.Noise(1, 48_000 * 2);
        var received = new short[reference.Length + 5000];
        reference.CopyTo(received, 1234);

        var (lag, correlation) = AudioAnalysis.Align(reference, received, maxLagSamples: 48_000);
        Assert.Equal(1234, lag);
        Assert.True(correlation > 0.999, $"r = {correlation}");
    }

    [Fact]
    public void An_early_signal_aligns_at_a_negative_lag()
    {
        var reference = WavTestFiles.Noise(2, 20_000);
        var received = reference[300..];
        var (lag, correlation) = AudioAnalysis.Align(reference, received, 1000);
        Assert.Equal(-300, lag);
        Assert.True(correlation > 0.999);
    }

    [Fact]
    public void Attenuated_noisy_copies_still_align()
    {
        var reference = WavTestFiles.Noise(3, 48_000);
        var noise = WavTestFiles.Noise(4, 48_000 + 800, 3000);
        var received = new short[noise.Length];
        for (int i = 0; i < received.Length; i++)
        {
            int signal = i >= 777 && i - 777 < reference.Length ? reference[i - 777] / 2 : 0;
            received[i] = (short)(signal + noise[i]);
        }

        var (lag, correlation) = AudioAnalysis.Align(reference, received, 2000);
        Assert.Equal(777, lag);
        Assert.InRange(correlation, 0.7, 0.99);
    }

    [Fact]
    public void Content_near_nyquist_that_the_coarse_pass_cannot_see_still_aligns()
    {
        // Noise shifted up to 24 kHz: block averaging removes it, so the exhaustive search decides.
        var reference = WavTestFiles.Noise(9, 30_000);
        for (int i = 1; i < reference.Length; i += 2)
        {
            reference[i] = (short)-reference[i];
        }

        var received = new short[32_000];
        reference.CopyTo(received, 1001);
        var (lag, correlation) = AudioAnalysis.Align(reference, received, 1500);
        Assert.Equal(1001, lag);
        Assert.True(correlation > 0.999);
    }

    [Fact]
    public void Uncorrelated_noise_does_not_correlate()
    {
        var (_, correlation) = AudioAnalysis.Align(WavTestFiles.Noise(5, 48_000), WavTestFiles.Noise(6, 48_000), 4800);
        Assert.True(Math.Abs(correlation) < 0.1, $"r = {correlation}");
    }

    [Fact]
    public void Five_seconds_with_a_second_of_lag_align_well_under_a_second()
    {
        var reference = WavTestFiles.Noise(7, 48_000 * 5);
        var received = new short[48_000 * 6];
        reference.CopyTo(received, 40_000);
        AudioAnalysis.Align(reference[..4800], received[..9600], 100); // JIT warm-up

        var watch = Stopwatch.StartNew(); // measures our own speed; no logic waits on it
        var (lag, correlation) = AudioAnalysis.Align(reference, received, 48_000);
        watch.Stop();

        Assert.Equal(40_000, lag);
        Assert.True(correlation > 0.999);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Lags_outside_the_limit_are_not_considered()
    {
        var reference = WavTestFiles.Noise(8, 10_000);
        var received = new short[12_000];
        reference.CopyTo(received, 1500);
        var (lag, correlation) = AudioAnalysis.Align(reference, received, 1000);
        Assert.InRange(lag, -1000, 1000);
        Assert.True(correlation < 0.2);
    }

    [Fact]
    public void Rms_and_tone_magnitude_measure_sines()
    {
        var tone = WavTestFiles.Tone(1000, 10_000, 48_000);
        Assert.Equal(10_000 / Math.Sqrt(2), AudioAnalysis.Rms(tone), tolerance: 1);
        Assert.Equal(0, AudioAnalysis.Rms(ReadOnlySpan<short>.Empty));
        Assert.Equal(10_000, AudioAnalysis.ToneMagnitude(tone, 48_000, 1000), tolerance: 5);
        Assert.True(AudioAnalysis.ToneMagnitude(tone, 48_000, 1100) < 10);

        var mix = new short[48_000];
        var low = WavTestFiles.Tone(300, 4000, 48_000);
        var high = WavTestFiles.Tone(3000, 1000, 48_000);
        for (int i = 0; i < mix.Length; i++)
        {
            mix[i] = (short)(low[i] + high[i]);
        }

        Assert.Equal(4000, AudioAnalysis.ToneMagnitude(mix, 48_000, 300), tolerance: 5);
        Assert.Equal(1000, AudioAnalysis.ToneMagnitude(mix, 48_000, 3000), tolerance: 5);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => AudioAnalysis.Align([], new short[10], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioAnalysis.Align(new short[10], new short[10], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioAnalysis.ToneMagnitude(new short[10], 48_000, 30_000));
        Assert.Throws<ArgumentException>(() => AudioAnalysis.Pearson(new short[3], new short[4]));
    }
}
