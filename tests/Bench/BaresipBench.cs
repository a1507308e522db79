using System.Diagnostics;
using System.Text.RegularExpressions;
using PicoTalk.TestSupport;

namespace PicoTalk.Bench;

/// <summary>
/// The reference half of <c>./build.sh bench call</c> (issue 4): two baresip processes in a call
/// with each other on loopback, measured on this machine exactly as <see cref="CallBench"/> measures
/// our daemons: the same speech files, the same ALSA-to-PulseAudio output, Opus complexity 10 at
/// 32 kbit/s, the same warm-up and window. Fails, with baresip's output, unless the call was set up
/// with SRTP and Opus and both ends played speech through the whole window.
/// </summary>
internal static partial class BaresipBench
{
    /// <summary>Only turns a broken setup into a failure instead of a hang.</summary>
    private static readonly TimeSpan SetupGuard = TimeSpan.FromSeconds(20);

    /// <summary>Measures the call and adds its rows; returns the CPU seconds per call-minute of one end (the mean of the two).</summary>
    public static double Run(Table table, CallAudio audio)
    {
        using var dir = new TempDirectory("picotalk-baresipbench");
        using var ears = audio.Listen();
        int calleePort = Baresip.FreeSipPort();
        using var callee = Baresip.Start(dir.File("callee"), "callee", calleePort, audio.CalleeWav, CallAudio.CalleePcm, audio.AsoundConfig);
        callee.WaitFor("baresip is ready.", SetupGuard);
        using var caller = Baresip.Start(dir.File("caller"), "caller", Baresip.FreeSipPort(), audio.CallerWav, CallAudio.CallerPcm, audio.AsoundConfig,
            dial: $"sip:callee@127.0.0.1:{calleePort}");
        foreach (var end in new[] { caller, callee })
        {
            // menu.c prints "Call established" when the 200 OK / ACK completes; srtp.c and audio.c
            // log the keys and the codec as the media starts.
            end.WaitFor("Call established", SetupGuard);
            end.WaitFor("SRTP is Enabled", SetupGuard);
            end.WaitFor($"Set audio encoder: opus 48000Hz 1ch", SetupGuard);
            end.WaitFor($"Set audio decoder: opus 48000Hz 1ch", SetupGuard);
        }

        Thread.Sleep(CallBench.WarmUp);
        var (cpuCaller0, cpuCallee0) = (caller.Meter.CpuSeconds(), callee.Meter.CpuSeconds());
        var (threadsCaller0, threadsCallee0) = (caller.Meter.ThreadCpuSeconds(), callee.Meter.ThreadCpuSeconds());
        ears.Mark();
        var window = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(CallBench.Seconds));
        double minutes = window.Elapsed.TotalMinutes;
        var (cpuCaller1, cpuCallee1) = (caller.Meter.CpuSeconds(), callee.Meter.CpuSeconds());
        var (threadsCaller1, threadsCallee1) = (caller.Meter.ThreadCpuSeconds(), callee.Meter.ThreadCpuSeconds());
        var memory = (Caller: caller.Meter.Memory(), Callee: callee.Meter.Memory());
        foreach (var end in new[] { caller, callee })
        {
            if (end.HasExited)
            {
                throw new InvalidOperationException($"baresip {end.Name} exited during the measured window; it printed:\n{end.Log}");
            }

            // menu.c: "Call with PEER terminated (duration: ..., reason: ...)", e.g. at the end of
            // aufile's file, which would leave the rest of the window idle.
            end.EnsureNot("terminated", "the call ended inside the measured window");
        }

        var heard = ears.StopAndCheck("baresip call");
        string version = Version().Match(callee.Log) is { Success: true } m ? m.Groups["v"].Value : "(version not printed)";
        table.Note($"call, baresip {version} (Debian baresip-core): two processes on loopback, direct SIP (no server), SDES-SRTP mandatory (AES_CM_128_HMAC_SHA1_80), " +
                   $"Opus {CallBench.Bitrate / 1000} kbit/s complexity {CallBench.Complexity} application voip mono, FEC and DTX off; aufile speech in " +
                   $"(it holds the whole {audio.WavDataBytes / 1e6:F1} MB WAV in memory), ALSA to PulseAudio null sink out; {CallBench.Seconds} s measured after {CallBench.WarmUp.TotalSeconds:F0} s");
        foreach (var (name, cpu, t0, t1, (rss, peak), level) in new[]
                 {
                     ("caller", cpuCaller1 - cpuCaller0, threadsCaller0, threadsCaller1, memory.Caller, heard.Caller),
                     ("callee", cpuCallee1 - cpuCallee0, threadsCallee0, threadsCallee1, memory.Callee, heard.Callee),
                 })
        {
            table.Row($"call baresip {name}: speech level played (from the other end)", $"{level:F1}", "dBFS", "> -50 (heard)");
            table.Row($"call baresip {name}: CPU per call-minute (whole process)", $"{cpu / minutes:F2}", "CPU s/min", "~1.5 (issue 4)");
            // baresip names its own threads "baresip" (SIP and RTP main loop, aufile's reader and
            // encoder, ALSA's writer): only libpulse's thread stands apart.
            foreach (var (thread, seconds) in ProcessMeter.ByThread(t0, t1, cpu, comm => comm == ProcessMeter.PulseThread))
            {
                table.Row($"call baresip {name}:   thread {thread}", $"{seconds / minutes:F2}", "CPU s/min", "-");
            }

            table.Row($"call baresip {name}: resident memory now / peak", $"{rss / 1e6:F1} / {peak / 1e6:F1}", "MB", "~10 (issue 4)");
            // aufile reads its whole WAV into an audio buffer at the start of the call; a
            // microphone would not: the peak without it is the figure to set beside ours.
            table.Row($"call baresip {name}: resident peak less the WAV aufile holds", $"{(peak - audio.WavDataBytes) / 1e6:F1}", "MB", "-");
        }

        return ((cpuCaller1 - cpuCaller0) + (cpuCallee1 - cpuCallee0)) / 2 / minutes;
    }

    /// <summary>The banner baresip prints first: "baresip v1.0.0 Copyright (C) 2010 - 2020 ...".</summary>
    [GeneratedRegex(@"^baresip v(?<v>\S+) ", RegexOptions.Multiline)]
    private static partial Regex Version();
}
