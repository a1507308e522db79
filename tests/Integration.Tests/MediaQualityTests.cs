using System.Net;
using System.Text.Json;
using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Net;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 4 "Done when": a call between two real daemons through the UDP impairment proxy, both
/// directions impaired, and what the callee plays (recorded to a WAV) compared with what the caller
/// said once aligned. The caller dials the proxy's address; the proxy forwards to the callee.
/// </summary>
public sealed class MediaQualityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("picotalk-quality-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ten_percent_loss_and_30_ms_jitter_with_reordering_leave_speech_intact()
    {
        // 40 ms one way, +-30 ms of jitter: packets 20 ms apart overtake each other (reordering).
        var link = new LinkConditions { Latency = TimeSpan.FromMilliseconds(40), Jitter = TimeSpan.FromMilliseconds(30), LossRate = 0.10 };
        var (r, media, sender) = await CallThroughAsync(link, seconds: 8);

        output.WriteLine($"r = {r:F3}; callee media: {media}; caller media: {sender}");
        Assert.True(r >= 0.8, $"received speech correlates at {r:F3} with what was said");
        // A lost frame is rebuilt from the next packet's in-band FEC (RFC 6716 §2.1.7), counted.
        long fec = media.GetProperty("fec_recovered").GetInt64(), concealed = media.GetProperty("concealed").GetInt64();
        Assert.True(fec > 0, $"no frame was rebuilt from FEC ({concealed} concealed)");
        Assert.True(fec > concealed, $"FEC rebuilt {fec} frames, {concealed} were concealed: single losses should mostly be rebuilt");
        // The sender learnt the loss and the round trip from the callee's receiver reports: FEC on,
        // about 10 % reported, and 80 ms of link delay (40 ms each way, plus jitter) in the round trip.
        Assert.True(sender.GetProperty("fec").GetBoolean());
        Assert.InRange(sender.GetProperty("peer_loss_percent").GetDouble(), 1, 30); // one second's 50 packets
        Assert.InRange(sender.GetProperty("round_trip_ms").GetInt32(), 40, 250); // a loopback round trip is about 1 ms
    }

    /// <summary>Runs a call of <paramref name="seconds"/> through the proxy; returns the correlation and the callee's media statistics at the end.</summary>
    private async Task<(double R, JsonElement Media, JsonElement CallerMedia)> CallThroughAsync(LinkConditions link, int seconds)
    {
        string said = Speech.WavFile(Speech.CallerSentence + " The van is parked outside and the driver needs a signature.");
        string heard = Path.Combine(_dir.Path, "callee-out.wav");
        // The caller's bitrate may not drop below the 32 kbit/s the reference is coded at: at 10 %
        // loss the loss-based controller (tested on its own) would cut it to 21 kbit/s, where Opus
        // codes speech in its SILK mode, whose waveform matches a 32 kbit/s reference less well
        // (r 0.68 to 0.94 depending on when the switch happened); this test is about what the
        // network leaves of the speech.
        DaemonProcess.WriteConfig(Path.Combine(_dir.Path, "a"), "{ \"opus\": { \"min_bitrate\": 32000 } }");
        await using var caller = await DaemonProcess.StartAsync(Path.Combine(_dir.Path, "a"), "--audio-in", "wav:" + said, "--audio-out", "null");
        await using var callee = await DaemonProcess.StartAsync(Path.Combine(_dir.Path, "b"), "--audio-in", "silence", "--audio-out", "wav:" + heard);
        using var proxy = new UdpImpairmentProxy(new IPEndPoint(IPAddress.Loopback, callee.UdpPort), link, link, seed: 4);
        JsonElement media, callerMedia;
        try
        {
            await using var events = await EventStream.OpenAsync(callee);
            var dial = await caller.CliAsync("dial", $"{proxy.Endpoint}/{callee.Id}");
            Assert.True(dial.ExitCode == 0, dial.ToString());
            await events.WaitForAsync("ring");
            var answer = await callee.CliAsync("answer");
            Assert.True(answer.ExitCode == 0, answer.ToString());
            await events.WaitForStateAsync("in_call");

            await Task.Delay(TimeSpan.FromSeconds(seconds));
            media = JsonDocument.Parse((await callee.CliAsync("status", "--json")).Stdout).RootElement
                .GetProperty("call").GetProperty("media").Clone();
            callerMedia = JsonDocument.Parse((await caller.CliAsync("status", "--json")).Stdout).RootElement
                .GetProperty("call").GetProperty("media").Clone();
            Assert.True((await caller.CliAsync("hangup")).ExitCode == 0);
            await events.WaitForStateAsync("idle");
            Assert.Equal(0, await callee.StopAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            output.WriteLine($"proxy to callee {proxy.ToTarget}, back {proxy.FromTarget}");
            output.WriteLine($"--- caller ---\n{caller.Output}\n--- callee ---\n{callee.Output}");
        }

        // Compared in the speech band (200 Hz to 4 kHz): the sender's echo canceller notches the
        // lowest frequencies, and on a lossy link the adaptive bitrate narrows Opus to wideband,
        // both by design; what this test measures is what survives the network.
        short[] reference = AudioFilters.BandPass(OpusReference.ThroughOpus(WavReader.ReadAll(said)), AudioFormat.SampleRate);
        short[] received = AudioFilters.BandPass(WavReader.ReadAll(heard), AudioFormat.SampleRate);
        // The adaptive jitter buffer stretches and shortens the audio as the link changes, so the
        // delay is not one number for the whole call: windows of 200 ms (a syllable or two) are
        // aligned one by one. Longer windows straddle the buffer's moves, which a busy machine's
        // scheduling jitter makes more frequent (measured: 500 ms windows 0.68 to 0.95 over nine
        // runs, some beside a benchmark; 200 ms windows 0.79 to 0.94 on the same recordings). On a
        // loaded machine (load 30) r fell to 0.73 to 0.76 in some runs when the buffer hunted,
        // giving a period back and growing again several times a second; since it holds a grown
        // delay for 2 s (PlayoutSettings.ShortenHoldMilliseconds) six runs at that load gave 0.87 to 0.93.
        var (r, lag) = AudioAnalysis.WindowedCorrelation(reference, received, maxLagSamples: AudioFormat.SampleRate * 2,
            windowSamples: AudioFormat.SampleRate / 5, driftSamples: AudioFormat.SampleRate / 10);
        output.WriteLine($"received {received.Length / 48} ms, lag {lag / 48.0:F1} ms");
        return (r, media, callerMedia);
    }
}
