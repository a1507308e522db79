using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PicoTalk.TestSupport;

namespace PicoTalk.Bench;

/// <summary>
/// <c>./build.sh bench call</c> (issue 4 "Done when"): two real <c>picotalkd</c> processes in a
/// full-duplex call on loopback, each capturing speech from a WAV file paced in real time and
/// playing through ALSA into a PulseAudio null sink (<see cref="CallAudio"/>), at the settings issue
/// 4 compares with baresip 1.0: Opus complexity 10 at 32 kbit/s (set in each daemon's config.json),
/// with our AES-GCM session; once as baresip runs, once with the appliance's voice processing and
/// adaptive bitrate. Between the two, <see cref="BaresipBench"/> measures baresip 1.0 itself on this
/// machine with the same audio, settings and window. Prints each daemon's CPU seconds per
/// call-minute (user + system from /proc/PID/stat over the measured window), split by thread (the
/// loop encodes, seals and opens; the playback thread decodes; the capture thread reads the
/// device), its resident memory (VmRSS now, VmHWM peak), and the speech level each end played,
/// which proves the call carried audio in the window.
/// </summary>
internal static partial class CallBench
{
    /// <summary>Measured window; PICOTALK_CALL_BENCH_SECONDS changes it (at least 10).</summary>
    internal static readonly int Seconds =
        int.TryParse(Environment.GetEnvironmentVariable("PICOTALK_CALL_BENCH_SECONDS"), out int s) && s >= 10 ? s : 60;

    /// <summary>baresip's settings in issue 4's comparison.</summary>
    internal const int Bitrate = 32_000;

    /// <inheritdoc cref="Bitrate"/>
    internal const int Complexity = 10;

    /// <summary>
    /// The natively compiled daemon that <c>./build.sh bench call</c> publishes (PICOTALK_DAEMON), as
    /// the appliance ships it; without it, the JIT-compiled picotalkd.dll beside the bench.
    /// </summary>
    private static readonly string? NativeDaemon = Environment.GetEnvironmentVariable("PICOTALK_DAEMON") is { Length: > 0 } path ? path : null;

    /// <summary>Skipped before measuring: JIT compilation and tiering of the call path.</summary>
    internal static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    /// <summary>Call set-up, warm-up and window, with room to spare: how long the speech files play.</summary>
    private static TimeSpan SpeechLength => WarmUp + TimeSpan.FromSeconds(Seconds + 30);

    /// <summary>The opus section both profiles share, left open for more keys.</summary>
    private static readonly string Opus = $"{{\"bitrate\":{Bitrate},\"complexity\":{Complexity}";

    /// <summary>
    /// The two settings measured: baresip's (a fixed 32 kbit/s, FEC off on the clean link, no echo
    /// cancellation or noise suppression, as baresip with file audio) and the appliance's defaults at
    /// the same complexity (adaptive bitrate, echo cancellation and noise suppression on).
    /// </summary>
    private static readonly (string Name, string Config)[] Profiles =
    [
        ("baresip settings", "{\"opus\":" + Opus + ",\"adaptive_bitrate\":false},\"audio\":{\"echo_cancellation\":false,\"noise_suppression\":false}}"),
        ("appliance defaults", "{\"opus\":" + Opus + "}}"),
    ];

    public static void Run(Table table)
    {
        using var audio = CallAudio.Start(SpeechLength);
        // baresip first: its figure is the target of our rows.
        double baresip = BaresipBench.Run(table, audio);
        foreach (var (name, config) in Profiles)
        {
            Run(table, audio, name, config, baresip);
        }
    }

    private static void Run(Table table, CallAudio audio, string profile, string config, double baresip)
    {
        using var dir = new TempDirectory("picotalk-callbench");
        using var ears = audio.Listen();
        using var a = Daemon.Start(Path.Combine(dir.Path, "a"), audio.CallerWav, CallAudio.CallerPcm, audio.AsoundConfig, config);
        using var b = Daemon.Start(Path.Combine(dir.Path, "b"), audio.CalleeWav, CallAudio.CalleePcm, audio.AsoundConfig, config);

        a.Request("dial", $"{{\"to\":\"127.0.0.1:{b.UdpPort}\"}}");
        var ringing = Stopwatch.StartNew();
        while (State(b) != "ringing_in")
        {
            if (ringing.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"the callee never rang; caller status: {a.Request("status")}");
            }

            Thread.Sleep(50); // a benchmark driver polling a real process, not logic under test
        }

        b.Request("answer");
        Thread.Sleep(WarmUp);
        var (cpuA0, cpuB0) = (a.Meter.CpuSeconds(), b.Meter.CpuSeconds());
        var (threadsA0, threadsB0) = (a.Meter.ThreadCpuSeconds(), b.Meter.ThreadCpuSeconds());
        ears.Mark();
        var window = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(Seconds));
        double minutes = window.Elapsed.TotalMinutes;
        var (cpuA1, cpuB1) = (a.Meter.CpuSeconds(), b.Meter.CpuSeconds());
        var (threadsA1, threadsB1) = (a.Meter.ThreadCpuSeconds(), b.Meter.ThreadCpuSeconds());
        var heard = ears.StopAndCheck($"picotalkd call, {profile}");

        table.Note($"call, {profile}: two picotalkd ({(NativeDaemon is null ? "JIT" : "NativeAOT")}) on loopback, config {config}, speech from WAV paced in real time, ALSA to PulseAudio null sink out (as baresip); {Seconds} s measured after {WarmUp.TotalSeconds:F0} s");
        foreach (var (name, d, cpu, t0, t1, level) in new[] { ("caller", a, cpuA1 - cpuA0, threadsA0, threadsA1, heard.Caller), ("callee", b, cpuB1 - cpuB0, threadsB0, threadsB1, heard.Callee) })
        {
            using var status = JsonDocument.Parse(d.Request("status"));
            var media = status.RootElement.GetProperty("result").GetProperty("call").GetProperty("media");
            long sent = media.GetProperty("frames_sent").GetInt64(), received = media.GetProperty("frames_received").GetInt64();
            table.Row($"call {name}: frames sent / received, bitrate, FEC", $"{sent} / {received}, {media.GetProperty("bitrate_bps").GetInt32() / 1000} kbit/s, {(media.GetProperty("fec").GetBoolean() ? "on" : "off")}", "-", "-");
            table.Row($"call {name}: speech level played (from the other end)", $"{level:F1}", "dBFS", "> -50 (heard)");
            // Issue 4's target compares like with like: baresip's settings only. The appliance's
            // defaults add echo cancellation and noise suppression, which baresip did not run.
            bool comparable = config.Contains("\"echo_cancellation\":false", StringComparison.Ordinal);
            table.Row($"call {name}: CPU per call-minute (whole daemon)", $"{cpu / minutes:F2}", "CPU s/min",
                comparable ? $"< {baresip:F2} (baresip here)" : "- (more work than baresip)");
            // By thread: the loop encodes, seals, opens and runs the network; the playback thread
            // decodes and conceals; the capture thread reads the device; libpulse's thread is the
            // ALSA pulse plugin's output; the rest is the runtime.
            foreach (var (thread, seconds) in ProcessMeter.ByThread(t0, t1, cpu, comm => comm.StartsWith("picotalk-", StringComparison.Ordinal) || comm == ProcessMeter.PulseThread))
            {
                table.Row($"call {name}:   thread {thread}", $"{seconds / minutes:F2}", "CPU s/min", "-");
            }

            var (rss, peak) = d.Meter.Memory();
            table.Row($"call {name}: resident memory now / peak", $"{rss / 1e6:F1} / {peak / 1e6:F1}", "MB", "<= 35");
        }

        b.Request("hangup");
    }

    private static string? State(Daemon d)
    {
        using var status = JsonDocument.Parse(d.Request("status"));
        return status.RootElement.GetProperty("result").GetProperty("state").GetString();
    }

    /// <summary>One picotalkd from the bench's own output folder, and a control-socket client of it.</summary>
    private sealed partial class Daemon : IDisposable
    {
        private readonly Process _process;
        private readonly string _control;
        private long _nextId;

        private Daemon(Process process, string control, int udpPort)
        {
            _process = process;
            _control = control;
            UdpPort = udpPort;
            Meter = new ProcessMeter(process.Id);
        }

        public int UdpPort { get; }

        public ProcessMeter Meter { get; }

        /// <summary>Starts picotalkd capturing <paramref name="wav"/> and playing into the ALSA PCM <paramref name="alsaPcm"/> of <paramref name="asoundConfig"/>.</summary>
        public static Daemon Start(string state, string wav, string alsaPcm, string asoundConfig, string config)
        {
            Directory.CreateDirectory(state);
            File.WriteAllText(Path.Combine(state, "config.json"), config);
            string control = Path.Combine(state, "control.sock");
            var start = new ProcessStartInfo(NativeDaemon ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (NativeDaemon is null)
            {
                start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "picotalkd.dll"));
            }

            foreach (string arg in new[]
                     {
                         "--state-dir", state, "--port", "0",
                         "--bind", "127.0.0.1", "--control", control, "--no-lan-discovery",
                         "--audio-in", "wav:" + wav, "--audio-out", "alsa:" + alsaPcm,
                     })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment.Remove("JOURNAL_STREAM");
            start.Environment["ALSA_CONFIG_PATH"] = asoundConfig;
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start picotalkd");
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (ReadyLine().Match(line) is { Success: true } m)
                {
                    // Keep draining stdout so the daemon never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                    return new Daemon(process, control, int.Parse(m.Groups["udp"].Value));
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    break;
                }
            }

            process.Kill();
            throw new InvalidOperationException($"picotalkd in {state} did not print its ready line");
        }

        /// <summary>Sends one request line and returns the reply line (DESIGN.md "Control socket").</summary>
        public string Request(string cmd, string? argsJson = null)
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(_control));
            using var stream = new NetworkStream(socket, ownsSocket: false);
            string line = argsJson is null
                ? $"{{\"id\":{++_nextId},\"cmd\":\"{cmd}\"}}\n"
                : $"{{\"id\":{++_nextId},\"cmd\":\"{cmd}\",\"args\":{argsJson}}}\n";
            stream.Write(Encoding.UTF8.GetBytes(line));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string reply = reader.ReadLine() ?? throw new IOException($"picotalkd closed the control socket on '{cmd}'");
            using var doc = JsonDocument.Parse(reply);
            if (!doc.RootElement.TryGetProperty("result", out _))
            {
                throw new InvalidOperationException($"picotalkd refused '{cmd}': {reply}");
            }

            return reply;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"^ready id=(?<id>[0-9a-f]{40}) udp=(?<udp>\d+) control=(?<control>\S+)$")]
        private static partial Regex ReadyLine();
    }
}
