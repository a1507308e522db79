using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Dsp;
using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Hal.Tests.Audio.Dsp;

/// <summary>
/// Issue 4 "Done when": with a synthetic echo path (what the speaker played, delayed, attenuated and
/// coloured, added to the microphone with a little noise), the echo return loss enhancement after
/// convergence is at least 20 dB. ERLE = 10 log10(echo power in the capture / power left after
/// cancellation), measured after the first 3 s.
/// </summary>
public sealed class EchoCancellerTests(ITestOutputHelper output)
{
    private const int Rate = AudioFormat.SampleRate;
    private static readonly int Converged = 3 * Rate;

    [Theory]
    [InlineData(20)]
    [InlineData(10)]
    public void Cancels_a_delayed_attenuated_echo_of_speech_by_20_dB(int frameMs)
    {
        short[] far = FarEndSpeech();
        short[] echo = EchoPath(far, delayMs: 40, gain: 0.5);
        short[] captured = Add(echo, Noise(far.Length, amplitude: 8, seed: 1));

        short[] residual = Cancel(captured, far, frameMs);

        double erle = Db(Power(echo, Converged), Power(residual, Converged));
        output.WriteLine($"{frameMs} ms frames: ERLE {erle:F1} dB");
        Assert.True(erle >= 20, $"ERLE {erle:F1} dB");
    }

    [Fact]
    public void Near_end_speech_passes_while_the_far_end_is_silent()
    {
        short[] near = Speech.Samples(Speech.CalleeSentence, Speech.CalleeVoice);
        short[] silence = new short[near.Length];

        short[] result = Cancel(near, silence, 20);

        int n = result.Length / 960 * 960;
        double r = AudioAnalysis.Pearson(near.AsSpan(0, n), result.AsSpan(0, n));
        Assert.True(r >= 0.95, $"near-end speech through the canceller correlates at {r:F3}");
    }

    [Fact]
    public void Processing_allocates_nothing()
    {
        using var aec = new EchoCanceller(960);
        var mic = Noise(960, 1000, seed: 2);
        var speaker = Noise(960, 1000, seed: 3);
        var result = new short[960];
        for (int i = 0; i < 20; i++)
        {
            aec.Process(mic, speaker, result);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            aec.Process(mic, speaker, result);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(501)]
    public void A_tail_out_of_range_is_refused(int tailMs)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EchoCanceller(960, tailMilliseconds: tailMs));
        Assert.Equal("tailMilliseconds", e.ParamName);
    }

    [Fact]
    public void Periods_of_the_wrong_size_are_refused()
    {
        using var aec = new EchoCanceller(960);
        Assert.Throws<ArgumentException>(() => aec.Process(new short[480], new short[960], new short[960]));
    }

    /// <summary>About 10 s of speech, two voices, so the filter sees varied spectra.</summary>
    internal static short[] FarEndSpeech() =>
        [.. Speech.Samples(Speech.CallerSentence), .. Speech.Samples(Speech.CalleeSentence, Speech.CalleeVoice), .. Speech.Samples(Speech.CallerSentence)];

    /// <summary>The room: a delay, a gain, and a one-pole low-pass (a small speaker's muffled sound).</summary>
    internal static short[] EchoPath(short[] played, int delayMs, double gain)
    {
        int delay = Rate / 1000 * delayMs;
        var result = new short[played.Length];
        double state = 0;
        for (int i = delay; i < played.Length; i++)
        {
            state += 0.6 * (played[i - delay] * gain - state);
            result[i] = (short)Math.Round(state);
        }

        return result;
    }

    private static short[] Cancel(short[] captured, short[] played, int frameMs)
    {
        int n = Rate / 1000 * frameMs;
        using var aec = new EchoCanceller(n);
        var result = new short[captured.Length / n * n];
        for (int i = 0; i < result.Length; i += n)
        {
            aec.Process(captured.AsSpan(i, n), played.AsSpan(i, n), result.AsSpan(i, n));
        }

        return result;
    }

    internal static short[] Add(short[] a, short[] b)
    {
        var sum = new short[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            sum[i] = (short)Math.Clamp(a[i] + b[i], short.MinValue, short.MaxValue);
        }

        return sum;
    }

    internal static short[] Noise(int length, int amplitude, int seed)
    {
        var random = new Random(seed);
        var noise = new short[length];
        for (int i = 0; i < length; i++)
        {
            noise[i] = (short)random.Next(-amplitude, amplitude + 1);
        }

        return noise;
    }

    internal static double Power(short[] signal, int from)
    {
        double sum = 0;
        int to = signal.Length / 960 * 960;
        for (int i = from; i < to; i++)
        {
            sum += (double)signal[i] * signal[i];
        }

        return sum / Math.Max(1, to - from);
    }

    internal static double Db(double reference, double residual) => 10 * Math.Log10(reference / Math.Max(residual, 1e-9));
}
