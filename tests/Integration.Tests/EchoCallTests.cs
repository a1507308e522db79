using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// The echo canceller in a real call (issue 4). B's microphone is B's own speaker: its capture
/// device is the monitor of the sink it plays into, a full-level echo path with the real latency of
/// both ALSA devices. A talks; B plays A's speech and hears it straight back; whatever B's canceller
/// leaves goes back to A, whose speaker is recorded.
/// <code>
///  paplay speech ─▶ a_mic ─▶ alsa:a_in ─▶ A ─▶ UDP ─▶ B ─▶ alsa:b_out ─▶ b_spk ─┐
///                                                                            │ (the "room")
///  parec a_spk.monitor ◀─ a_spk ◀─ alsa:a_out ◀─ A ◀─ UDP ◀─ B ◀─ alsa:b_in ◀─ b_spk.monitor
/// </code>
/// The same call is made twice, with B's audio.echo_cancellation on (the default) and off; A's own
/// processing is off, so B's canceller is the only difference.
/// </summary>
public sealed class EchoCallTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>How long the canceller may take to converge before the echo is measured.</summary>
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan CallLength = TimeSpan.FromSeconds(8);

    private readonly TempDirectory _dir = new("picotalk-echo-call-");

    public void Dispose() => _dir.Dispose();

    [PulseAudioFact]
    public async Task The_far_end_does_not_hear_itself_back_from_a_speaker_next_to_the_microphone()
    {
        string speech = Speech.WavFile(Speech.CallerSentence + " The van is parked outside and the driver needs a signature.");
        using var rig = AlsaCallRig.Start(_dir.Path, ["a_mic", "a_spk", "b_spk"],
            ("a_in", "a_mic.monitor"), ("a_out", "a_spk"), ("b_in", "b_spk.monitor"), ("b_out", "b_spk"));

        short[] cancelled = await CallAsync(rig, "aec", "{ \"audio\": { \"echo_cancellation\": true }}", speech);
        short[] uncancelled = await CallAsync(rig, "raw", "{ \"audio\": { \"echo_cancellation\": false }}", speech);

        // Without the canceller A hears its own speech back, delayed by the round trip.
        var (r, lag) = AlsaCallRig.Correlate(speech, uncancelled);
        output.WriteLine($"without cancellation A hears itself back after {lag / 48.0:F0} ms, r = {r:F3}");
        Assert.True(r >= 0.8, $"the echo path does not carry A's speech back (r = {r:F3})");

        int rate = AudioFormat.SampleRate, from = (int)(Convergence.TotalSeconds * rate);
        int length = Math.Min(cancelled.Length, uncancelled.Length);
        double suppression = Quieter(uncancelled, cancelled, from, length);
        output.WriteLine($"A's speaker after {Convergence.TotalSeconds:F0} s: {Dbfs(Level(uncancelled, from, length)):F1} dBFS without B's canceller, " +
                         $"{Dbfs(Level(cancelled, from, length)):F1} dBFS with it: {suppression:F1} dB quieter");
        output.WriteLine($"in the first {Convergence.TotalSeconds:F0} s (converging): {Quieter(uncancelled, cancelled, 0, from):F1} dB quieter");
        // Second by second: a canceller that loses the echo (its delay moved) shows as a second
        // that is suddenly louder again.
        var seconds = Enumerable.Range(0, (length + rate - 1) / rate).Select(second => Quieter(uncancelled, cancelled, second * rate, Math.Min(length, (second + 1) * rate)));
        output.WriteLine($"dB quieter, second by second: {string.Join(", ", seconds.Select(d => d.ToString("F1")))}");
        Assert.True(suppression >= 20, $"B's echo canceller takes only {suppression:F1} dB off A's voice coming back");
    }

    /// <summary>A dials B (with <paramref name="configB"/>), talks for the call's length; returns what A's speaker played from when A started talking.</summary>
    private async Task<short[]> CallAsync(AlsaCallRig rig, string label, string configB, string speech)
    {
        await using var a = await rig.StartDaemonAsync("a-" + label, AlsaCallRig.Unprocessed, "alsa:a_in", "alsa:a_out");
        await using var b = await rig.StartDaemonAsync("b-" + label, configB, "alsa:b_in", "alsa:b_out");
        try
        {
            await using var call = await AlsaCallRig.ConnectAsync(a, b);
            using var heard = rig.Pulse.Record("a_spk.monitor", _dir.File($"a_spk-{label}.raw"));
            using var talk = rig.Pulse.Play("a_mic", speech);
            await Task.Delay(CallLength);
            output.WriteLine($"{label}: A media {await AlsaCallRig.MediaAsync(a)}\n{label}: B media {await AlsaCallRig.MediaAsync(b)}");
            await call.HangUpAsync();
            return heard.StopAndRead();
        }
        finally
        {
            output.WriteLine($"--- A ({label}) ---\n{a.Output}\n--- B ({label}) ---\n{b.Output}");
        }
    }

    private static double Level(short[] samples, int from, int to) =>
        AudioAnalysis.Rms(samples.AsSpan(Math.Min(from, samples.Length), Math.Clamp(to - from, 0, Math.Max(0, samples.Length - from))));

    /// <summary>How much quieter (dB) <paramref name="on"/> is than <paramref name="off"/> over samples [from, to).</summary>
    private static double Quieter(short[] off, short[] on, int from, int to) =>
        20 * Math.Log10(Math.Max(Level(off, from, to), 1e-3) / Math.Max(Level(on, from, to), 1e-3));

    private static double Dbfs(double rms) => 20 * Math.Log10(Math.Max(rms, 1e-3) / short.MaxValue);
}
