using PicoTalk.Protocol.Media;
using Xunit.Abstractions;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>
/// The adaptive jitter buffer against simulated links (issue 4): it sits at its minimum on a clean
/// link, grows with jitter and shrinks again, rebuilds losses from FEC, and absorbs clock drift
/// between two sound cards without gaps, clicks or growing delay.
/// </summary>
public sealed class AdaptivePlayoutTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(20, 1)]
    [InlineData(20, 2)]
    [InlineData(10, 3)]
    public void On_a_clean_link_the_buffer_sits_at_its_minimum(int frameMs, int seed)
    {
        int samples = MediaConstants.SamplesPerFrame(frameMs);
        using var sim = new PlayoutSimulator(frameMs, Signals.SpeechLikeFrames(samples, seed), seed);
        sim.Run(TimeSpan.FromSeconds(3));
        MediaStats warm = sim.Stream.Stats;
        var delays = new List<int>();
        sim.AfterRead = s => delays.Add(s.DelayMilliseconds);
        sim.Run(TimeSpan.FromSeconds(10));

        MediaStats stats = sim.Stream.Stats;
        output.WriteLine($"{frameMs} ms: delay {delays.Min()}..{delays.Max()} ms, target {stats.TargetDelayMilliseconds}, stretched {stats.Stretched}, shortened {stats.Shortened}");
        var minimum = new PlayoutSettings().MinimumDelayMilliseconds;
        Assert.Equal(minimum, stats.TargetDelayMilliseconds);
        // What is left is the sound card's phase: a packet waits for the next read, and at most the
        // hysteresis more (the period a stream starts with is given back); never a whole period more.
        Assert.All(delays, d => Assert.InRange(d, 0, frameMs + minimum + new PlayoutSettings().ShortenAboveMilliseconds + 1));
        Assert.Equal((0L, 0L, 0L), (stats.FramesConcealed, stats.Late, stats.FecRecovered));
        // Settled in the first seconds: nothing more to adjust.
        Assert.Equal((warm.Stretched, warm.Shortened), (stats.Stretched, stats.Shortened));
        Assert.Equal(0, stats.CumulativeLost);
        Assert.True(stats.JitterMilliseconds < 0.1, $"jitter {stats.JitterMilliseconds} ms on a clean link");
    }

    [Fact]
    public void Jitter_raises_the_delay_until_few_packets_are_late_and_it_falls_when_the_jitter_goes()
    {
        using var sim = new PlayoutSimulator(20, Signals.SpeechLikeFrames(960, 4), seed: 4) { Jitter = TimeSpan.FromMilliseconds(60) };
        sim.Run(TimeSpan.FromSeconds(20));
        MediaStats before = sim.Stream.Stats;
        sim.Run(TimeSpan.FromSeconds(30));
        MediaStats jittery = sim.Stream.Stats;
        long periods = jittery.FramesDecoded - before.FramesDecoded + jittery.FecRecovered - before.FecRecovered + jittery.FramesConcealed - before.FramesConcealed;
        double lateShare = (double)(jittery.Late - before.Late) / periods;
        output.WriteLine($"60 ms of jitter: delay {jittery.DelayMilliseconds} ms, target {jittery.TargetDelayMilliseconds} ms, late {lateShare:P1}, RFC 3550 jitter {jittery.JitterMilliseconds:F1} ms");

        Assert.InRange(jittery.TargetDelayMilliseconds, 25, 90);
        Assert.InRange(lateShare, 0, 0.05);

        // Falling is slow on purpose (a jitter burst tends to come back): the histogram forgets
        // 0.2 % per packet, so 60 s of calm leaves the burst under the 2 % it takes to matter.
        sim.Jitter = TimeSpan.Zero;
        sim.Run(TimeSpan.FromSeconds(60));
        MediaStats calm = sim.Stream.Stats;
        output.WriteLine($"calm again: delay {calm.DelayMilliseconds} ms, target {calm.TargetDelayMilliseconds} ms, stretched {calm.Stretched - jittery.Stretched}, shortened {calm.Shortened - jittery.Shortened}");
        // It gives the delay back: the target returns to the minimum.
        int minimum = new PlayoutSettings().MinimumDelayMilliseconds;
        Assert.InRange(calm.TargetDelayMilliseconds, minimum, minimum + 5);
        Assert.True(calm.DelayMilliseconds < jittery.DelayMilliseconds - 15, $"delay {jittery.DelayMilliseconds} -> {calm.DelayMilliseconds} ms");
        Assert.True(calm.Shortened > jittery.Shortened);
    }

    [Fact]
    public void After_growing_for_a_spell_of_jitter_the_buffer_holds_the_delay_through_the_next_spell()
    {
        // Jitter in spells, as Wi-Fi scans and a busy CPU make it: 300 ms of up to 60 ms every 1.5 s.
        // Without the hold the buffer gives the period back in each calm 1.2 s and the next spell
        // finds it short again: more late packets, and a move of the delay in each direction per spell.
        (long Late, long Stretched) Spells(int holdMs)
        {
            using var sim = new PlayoutSimulator(20, Signals.SpeechLikeFrames(960, 4), seed: 7,
                new PlayoutSettings { ShortenHoldMilliseconds = holdMs });
            sim.Run(TimeSpan.FromSeconds(3));
            MediaStats start = sim.Stream.Stats;
            for (int spell = 0; spell < 12; spell++)
            {
                sim.Jitter = TimeSpan.FromMilliseconds(60);
                sim.Run(TimeSpan.FromMilliseconds(300));
                sim.Jitter = TimeSpan.Zero;
                sim.Run(TimeSpan.FromMilliseconds(1200));
            }

            MediaStats end = sim.Stream.Stats;
            return (end.Late - start.Late, end.Stretched - start.Stretched);
        }

        var held = Spells(new PlayoutSettings().ShortenHoldMilliseconds);
        var unheld = Spells(0);
        output.WriteLine($"held: {held.Late} late, {held.Stretched} pitch periods stretched; not held: {unheld.Late} late, {unheld.Stretched} stretched");
        Assert.True(held.Late * 3 <= unheld.Late * 2, $"held {held.Late} late vs {unheld.Late}");
        Assert.True(held.Stretched * 2 <= unheld.Stretched, $"held {held.Stretched} stretched vs {unheld.Stretched}");
    }

    [Fact]
    public void Loss_with_reordering_is_rebuilt_from_fec_where_the_next_packet_has_it()
    {
        using var sim = new PlayoutSimulator(20, Signals.SpeechLikeFrames(960, 6), seed: 6) { Jitter = TimeSpan.FromMilliseconds(30), Loss = 0.10, Duplication = 0.02 };
        sim.Run(TimeSpan.FromSeconds(60));
        MediaStats stats = sim.Stream.Stats;
        output.WriteLine($"10 % loss, 30 ms jitter: FEC {stats.FecRecovered}, concealed {stats.FramesConcealed}, late {stats.Late}, duplicates {stats.Duplicates}, lost {stats.CumulativeLost}/{stats.ExpectedPackets}, delay {stats.DelayMilliseconds} ms");

        Assert.True(stats.FecRecovered > stats.FramesConcealed, "most single losses come back from FEC");
        Assert.InRange((double)stats.CumulativeLost / stats.ExpectedPackets, 0.08, 0.12);
        Assert.True(stats.Duplicates > 0);
        Assert.InRange(stats.DelayMilliseconds, 5, 80);
    }

    [Theory]
    [InlineData(1.005, 1.0)]
    [InlineData(1.0, 1.005)]
    public void Clock_drift_is_absorbed_over_ten_minutes_without_gaps_clicks_or_growing_delay(double senderRate, double receiverRate)
    {
        const double Hz = 440, Amplitude = 8000;
        using var sim = new PlayoutSimulator(20, PlayoutSimulator.Tone(960, Hz, Amplitude), seed: 8) { SenderRate = senderRate, ReceiverRate = receiverRate };
        int maxDelay = 0;
        sim.AfterRead = s => maxDelay = Math.Max(maxDelay, s.DelayMilliseconds);
        sim.Run(TimeSpan.FromMinutes(10));
        MediaStats stats = sim.Stream.Stats;

        // After the first second, the speaker never went silent and never jumped.
        short[] played = sim.Played.Skip(48_000).ToArray();
        int longestQuiet = 0, run = 0;
        double maxStep = 0;
        for (int i = 1; i < played.Length; i++)
        {
            run = Math.Abs(played[i]) < 200 ? run + 1 : 0;
            longestQuiet = Math.Max(longestQuiet, run);
            maxStep = Math.Max(maxStep, Math.Abs(played[i] - played[i - 1]));
        }

        double toneStep = Amplitude * 2 * Math.PI * Hz / MediaConstants.SampleRate; // steepest slope of the tone
        output.WriteLine($"sender x{senderRate}, card x{receiverRate}: stretched {stats.Stretched}, shortened {stats.Shortened}, max delay {maxDelay} ms, concealed {stats.FramesConcealed}, longest quiet {longestQuiet} samples, max step {maxStep:F0} (tone {toneStep:F0})");

        Assert.True(senderRate > receiverRate ? stats.Shortened > 100 : stats.Stretched > 100, "0.5 % of 10 minutes is 3 s to absorb");
        Assert.InRange(maxDelay, 0, 2 * 20 + 10); // the phase, one period of protection, the minimum
        Assert.Equal(0, stats.FramesConcealed);
        Assert.True(longestQuiet < 48, $"a quiet run of {longestQuiet} samples");
        Assert.True(maxStep < 2 * toneStep, $"a step of {maxStep} where the tone's steepest is {toneStep:F0}: a click");
    }

    [Fact]
    public void Settings_are_validated_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PlayoutSettings { MinimumDelayMilliseconds = -1 }.Validate());
        Assert.Equal("MinimumDelayMilliseconds", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new PlayoutSettings { LateShare = 0.9 }.Validate());
        Assert.Equal("LateShare", e.ParamName);
    }
}
