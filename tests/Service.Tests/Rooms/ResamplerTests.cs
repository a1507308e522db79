using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7: "send audio (48 kHz audio path resampled to the room's 16 kHz)". The 3:1 converter
/// keeps speech, removes what would alias below 8 kHz, and removes the images of zero-stuffing.
/// </summary>
public sealed class ResamplerTests
{
    private const int Frames = 50;

    [Fact]
    public void Down_1kHzToneKeepsItsAmplitudeWithin1dB()
    {
        var output = Run(Resampler.Down(), 48_000, 1_000, 960);
        double gain = Db(Amplitude(output, 16_000, 1_000) / 10_000);
        Assert.InRange(gain, -1, 1);
    }

    [Fact]
    public void Down_7kHzToneIsAttenuatedAtLeast30dB()
    {
        var output = Run(Resampler.Down(), 48_000, 7_000, 960);
        double gain = Db(Amplitude(output, 16_000, 7_000) / 10_000);
        Assert.True(gain <= -30, $"7 kHz passed at {gain:F1} dB");
    }

    [Fact]
    public void Down_ContinuesAcrossOddSizedCalls()
    {
        // 1000 inputs is not a multiple of 3: the phase must carry over, or the output would tick.
        var output = Run(Resampler.Down(), 48_000, 1_000, 1_000);
        Assert.Equal(((Frames * 1_000) + 2) / 3, output.Length);
        Assert.InRange(Db(Amplitude(output, 16_000, 1_000) / 10_000), -1, 1);
    }

    [Fact]
    public void Up_1kHzToneKeepsItsAmplitudeWithin1dB_AndItsImagesAreAttenuated30dB()
    {
        var output = Run(Resampler.Up(), 16_000, 1_000, 512);
        Assert.Equal(Frames * 512 * 3, output.Length);
        double gain = Db(Amplitude(output, 48_000, 1_000) / 10_000);
        Assert.InRange(gain, -1, 1);

        // Zero-stuffing copies 1 kHz to 16 ± 1 kHz; the filter must remove them.
        Assert.True(Db(Amplitude(output, 48_000, 15_000) / 10_000) <= -30);
        Assert.True(Db(Amplitude(output, 48_000, 17_000) / 10_000) <= -30);
    }

    [Fact]
    public void ProcessAllocatesNothing()
    {
        var down = Resampler.Down();
        var up = Resampler.Up();
        var in48 = new short[960];
        var out16 = new short[512];
        var out48 = new short[1536];
        down.Process(in48, out16);
        up.Process(out16, out48);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            down.Process(in48, out16);
            up.Process(out16.AsSpan(0, 320), out48);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Feeds <see cref="Frames"/> chunks of a 10 000-peak tone through the converter; returns everything it wrote.</summary>
    private static short[] Run(Resampler resampler, int rate, double hz, int chunk)
    {
        var all = new List<short>();
        var input = new short[chunk];
        var output = new short[(chunk * Resampler.Factor) + 1];
        long n = 0;
        for (int f = 0; f < Frames; f++)
        {
            for (int i = 0; i < chunk; i++, n++)
            {
                input[i] = (short)Math.Round(10_000 * Math.Sin(2 * Math.PI * hz * n / rate));
            }

            int written = resampler.Process(input, output);
            all.AddRange(output.AsSpan(0, written).ToArray());
        }

        return [.. all];
    }

    /// <summary>The peak amplitude of <paramref name="hz"/> in the second half (past the filter's start-up, whole cycles), by correlation with sine and cosine.</summary>
    private static double Amplitude(short[] samples, int rate, double hz)
    {
        int start = samples.Length / 2;
        int period = rate / 1_000; // every tone here is a whole number of kHz: whole cycles, no leakage
        int count = (samples.Length - start) / period * period;
        double re = 0, im = 0;
        for (int i = 0; i < count; i++)
        {
            double phase = 2 * Math.PI * hz * (start + i) / rate;
            re += samples[start + i] * Math.Cos(phase);
            im += samples[start + i] * Math.Sin(phase);
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / count;
    }

    private static double Db(double ratio) => 20 * Math.Log10(Math.Max(ratio, 1e-9));
}
