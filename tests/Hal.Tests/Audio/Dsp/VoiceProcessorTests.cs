using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Dsp;
using PicoTalk.TestSupport;
using Xunit.Abstractions;
using static PicoTalk.Hal.Tests.Audio.Dsp.EchoCancellerTests;

namespace PicoTalk.Hal.Tests.Audio.Dsp;

/// <summary>
/// The capture chain a call runs (issue 4): echo cancellation fed from the playback thread through
/// <see cref="PlaybackReference"/>, then noise suppression, AGC and the voice gate, each switchable.
/// </summary>
public sealed class VoiceProcessorTests(ITestOutputHelper output)
{
    private const int Rate = AudioFormat.SampleRate;

    [Theory]
    [InlineData(20)]
    [InlineData(10)]
    public void The_chain_cancels_the_echo_of_what_the_playback_side_reported(int frameMs)
    {
        int n = Rate / 1000 * frameMs;
        short[] far = FarEndSpeech();
        short[] echo = RoomEcho(far, n);
        short[] mic = Add(echo, Noise(far.Length, 8, seed: 4));

        short[] on = RunChain(new VoiceProcessingSettings(), far, mic, n, out _);
        short[] off = RunChain(VoiceProcessingSettings.None, far, mic, n, out _);

        int from = 3 * Rate;
        double erleOn = Db(Power(echo, from), Power(on, from));
        double erleOff = Db(Power(echo, from), Power(off, from));
        output.WriteLine($"{frameMs} ms: ERLE {erleOn:F1} dB with the chain, {erleOff:F1} dB without");
        Assert.True(erleOn >= 20, $"ERLE {erleOn:F1} dB");
        Assert.InRange(erleOff, -1, 1);
    }

    [Fact]
    public void Noise_suppression_quietens_steady_noise_and_keeps_speech()
    {
        short[] speech = Speech.Samples(Speech.CalleeSentence, Speech.CalleeVoice);
        short[] noise = Noise(speech.Length + 2 * Rate, 600, seed: 5);
        // Two seconds of noise alone, then speech in the same noise.
        short[] mic = Add(noise, [.. new short[2 * Rate], .. speech]);
        var settings = VoiceProcessingSettings.None with { Preprocessor = new PreprocessorSettings() };

        short[] cleaned = RunChain(settings, new short[mic.Length], mic, 960, out _);

        // Noise alone, after a second to learn it.
        double before = Power(noise[Rate..(2 * Rate)], 0);
        double after = Power(cleaned[Rate..(2 * Rate)], 0);
        double suppressed = Db(before, after);
        int length = cleaned.Length - 2 * Rate; // cleaned[2 s + i] is speech[i] in noise
        // speexdsp's preprocessor hands back each period one period late (its overlap-add window).
        var (lag, r) = AudioAnalysis.Align(speech.AsSpan(0, length), cleaned.AsSpan(2 * Rate, length), 3000);
        Assert.Equal(960, lag);
        output.WriteLine($"noise down {suppressed:F1} dB; speech in noise correlates {r:F3} with the clean speech");
        Assert.True(suppressed >= 10, $"noise down only {suppressed:F1} dB");
        Assert.True(r >= 0.8, $"speech correlates at {r:F3}");
    }

    [Fact]
    public void Automatic_gain_raises_quiet_speech()
    {
        short[] speech = Speech.Samples(Speech.CallerSentence);
        short[] quiet = speech.Select(s => (short)(s / 16)).ToArray(); // 24 dB down
        short[] mic = [.. quiet, .. quiet, .. quiet];
        var settings = VoiceProcessingSettings.None with
        {
            Preprocessor = new PreprocessorSettings { NoiseSuppression = false, AutomaticGain = true },
        };

        short[] raised = RunChain(settings, new short[mic.Length], mic, 960, out _);

        // The last pass, once the gain has climbed.
        int from = 2 * quiet.Length;
        double gain = Db(Power(raised, from), Power(mic, from));
        output.WriteLine($"AGC gain on the third pass: {gain:F1} dB");
        Assert.True(gain >= 6, $"gain {gain:F1} dB");
    }

    [Fact]
    public void The_voice_gate_silences_the_room_after_the_hangover_and_lets_speech_through()
    {
        short[] speech = Speech.Samples(Speech.CallerSentence);
        // The room's noise all along: a second alone, then the speech, then three seconds alone.
        short[] mic = Add([.. new short[Rate], .. speech, .. new short[3 * Rate]], Noise(speech.Length + 4 * Rate, 30, seed: 6));
        var settings = VoiceProcessingSettings.None with
        {
            Preprocessor = new PreprocessorSettings { NoiseSuppression = true, VoiceActivity = true },
        };

        short[] gated = RunChain(settings, new short[mic.Length], mic, 960, out long gatedPeriods);

        // The last two seconds are the room alone: gated to digital silence.
        int[] quietPeriods = Enumerable.Range(0, 2 * Rate / 960).Where(p => gated.AsSpan(gated.Length - 2 * Rate + p * 960, 960).IndexOfAnyExcept((short)0) < 0).ToArray();
        output.WriteLine($"{quietPeriods.Length} of {2 * Rate / 960} room-only periods gated; {gatedPeriods} gated in all");
        Assert.All(gated[^(2 * Rate)..], s => Assert.Equal(0, s));
        int speechPeriods = speech.Length / 960;
        Assert.InRange(gatedPeriods, 100, (mic.Length / 960) - (speechPeriods / 2));
        double kept = Db(Power(speech, 0), Power(gated[Rate..(Rate + speech.Length)], 0));
        output.WriteLine($"gated {gatedPeriods} periods; speech level changed by {-kept:F1} dB");
        Assert.InRange(kept, -3, 6);

        short[] open = RunChain(VoiceProcessingSettings.None, new short[mic.Length], mic, 960, out long none);
        Assert.Equal(0, none);
        Assert.Contains(open[^(2 * Rate)..], s => s != 0);
    }

    [Fact]
    public void The_reference_drops_the_oldest_when_capture_lags_and_pairs_silence_when_playback_lags()
    {
        var reference = new PlaybackReference(4);
        var got = new short[4];
        reference.Take(got);
        Assert.Equal((0L, 1L), (reference.Dropped, reference.Starved));
        for (short i = 1; i <= PlaybackReference.MaxQueuedPeriods + 2; i++)
        {
            reference.Push([i, i, i, i]);
        }

        Assert.Equal(2, reference.Dropped);
        reference.Take(got);
        Assert.Equal([3, 3, 3, 3], got);
    }

    [Fact]
    public void Processing_allocates_nothing()
    {
        using var processor = new VoiceProcessor(960, new VoiceProcessingSettings { Preprocessor = new() { AutomaticGain = true, VoiceActivity = true } });
        short[] played = Noise(960, 3000, seed: 7);
        short[] mic = Noise(960, 3000, seed: 8);
        var frame = new short[960];
        for (int i = 0; i < 20; i++)
        {
            processor.OnPlayed(played);
            mic.CopyTo(frame, 0);
            processor.Process(frame);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            processor.OnPlayed(played);
            mic.CopyTo(frame, 0);
            processor.Process(frame);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// The playback side hands period k to the sound card and reports it; the card plays it two
    /// periods later, the room adds 5 ms and colours it. The microphone hears that echo.
    /// </summary>
    private static short[] RoomEcho(short[] far, int periodSamples)
    {
        short[] late = [.. new short[2 * periodSamples], .. far[..^(2 * periodSamples)]];
        return EchoPath(late, delayMs: 5, gain: 0.5);
    }

    /// <summary>Period by period as the two threads of a call would: report the played period, then process the captured one.</summary>
    private static short[] RunChain(VoiceProcessingSettings settings, short[] played, short[] mic, int n, out long gated)
    {
        using var processor = new VoiceProcessor(n, settings);
        var result = new short[mic.Length / n * n];
        for (int i = 0; i < result.Length; i += n)
        {
            processor.OnPlayed(played.AsSpan(i, n));
            mic.AsSpan(i, n).CopyTo(result.AsSpan(i, n));
            processor.Process(result.AsSpan(i, n));
        }

        gated = processor.GatedPeriods;
        return result;
    }
}
