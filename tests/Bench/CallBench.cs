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
/// playing to the null device, at the settings issue 4 compares with baresip 1.0: Opus complexity
/// 10 at 32 kbit/s (set in each daemon's config.json), with our AES-GCM session; once as baresip
/// runs, once with the appliance's voice processing and adaptive bitrate. Prints each
/// daemon's CPU seconds per call-minute (user + system from /proc/PID/stat over the measured
/// window), split by thread (the loop encodes, seals and opens; the playback thread decodes; the
/// capture thread reads the device), and its resident memory (VmRSS now, VmHWM peak), beside the
/// figures issue 4 gives for baresip 1.0.
/// </summary>
internal static partial class CallBench
{
    /// <summary>Measured window; PICOTALK_CALL_BENCH_SECONDS changes it (at least 10).</summary>
    private static readonly int Seconds =
        int.TryParse(Environment.GetEnvironmentVariable("PICOTALK_CALL_BENCH_SECONDS"), out int s) && s >= 10 ? s : 60;

    /// <summary>baresip's settings in issue 4's comparison.</summary>
    private const int Bitrate = 32_000;

    /// <inheritdoc cref="Bitrate"/>
    private const int Complexity = 10;

    /// <summary>
    /// The natively compiled daemon that <c>./build.sh bench call</c> publishes (PICOTALK_DAEMON), as
    /// the appliance ships it; without it, the JIT-compiled picotalkd.dll beside the bench.
    /// </summary>
    private static readonly string? NativeDaemon = Environment.GetEnvironmentVariable("PICOTALK_DAEMON") is { Length: > 0 } path ? path : null;

    /// <summary>Skipped before measuring: JIT compilation and tiering of the call path.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The two settings measured: baresip's (a fixed 32 kbit/s, FEC off on the clean link, no echo
    /// cancellation or noise suppression, as baresip with file audio) and the appliance's defaults at
    /// the same complexity (adaptive bitrate, echo cancellation and noise suppression on).
    /// </summary>
    /// <summary>The opus section both profiles share, left open for more keys.</summary>
    private static readonly string Opus = $"{{\"bitrate\":{Bitrate},\"complexity\":{Complexity}";

    private static readonly (string Name, string Config)[] Profiles =
    [
        ("baresip settings", "{\"opus\":" + Opus + ",\"adaptive_bitrate\":false},\"audio\":{\"echo_cancellation\":false,\"noise_suppression\":false}}"),
        ("appliance defaults", "{\"opus\":" + Opus + "}}"),
    ];

    public static void Run(Table table)
    {
        foreach (var (name, config) in Profiles)
        {
            Run(table, name, config);
        }
    }

    private static void Run(Table table, string profile, string config)
    {
        using var dir = new TempDirectory("picotalk-callbench");
        string callerWav = Speech.Caller, calleeWav = Speech.Callee;
        using var a = Daemon.Start(Path.Combine(dir.Path, "a"), callerWav, config);
        using var b = Daemon.Start(Path.Combine(dir.Path, "b"), calleeWav, config);

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
        var (cpuA0, cpuB0) = (a.CpuSeconds(), b.CpuSeconds());
        var (threadsA0, threadsB0) = (a.ThreadCpuSeconds(), b.ThreadCpuSeconds());
        var window = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(Seconds));
        double minutes = window.Elapsed.TotalMinutes;
        var (cpuA1, cpuB1) = (a.CpuSeconds(), b.CpuSeconds());
        var (threadsA1, threadsB1) = (a.ThreadCpuSeconds(), b.ThreadCpuSeconds());

        table.Note($"call, {profile}: two picotalkd ({(NativeDaemon is null ? "JIT" : "NativeAOT")}) on loopback, config {config}, speech from WAV paced in real time, output to null; {Seconds} s measured after {WarmUp.TotalSeconds:F0} s");
        foreach (var (name, d, cpu, t0, t1) in new[] { ("caller", a, cpuA1 - cpuA0, threadsA0, threadsA1), ("callee", b, cpuB1 - cpuB0, threadsB0, threadsB1) })
        {
            using var status = JsonDocument.Parse(d.Request("status"));
            var media = status.RootElement.GetProperty("result").GetProperty("call").GetProperty("media");
            long sent = media.GetProperty("frames_sent").GetInt64(), received = media.GetProperty("frames_received").GetInt64();
            table.Row($"call {name}: frames sent / received, bitrate, FEC", $"{sent} / {received}, {media.GetProperty("bitrate_bps").GetInt32() / 1000} kbit/s, {(media.GetProperty("fec").GetBoolean() ? "on" : "off")}", "-", "-");
            table.Row($"call {name}: CPU per call-minute (whole daemon)", $"{cpu / minutes:F2}", "CPU s/min", "< 1.5 (baresip 1.0)");
            // By thread: the loop encodes, seals, opens and runs the network; the playback thread
            // decodes and conceals; the capture thread reads the device; the rest is the runtime.
            foreach (var group in t1.Select(kv => (Name: ThreadGroup(kv.Key), Seconds: kv.Value - t0.GetValueOrDefault(kv.Key)))
                         .GroupBy(x => x.Name).OrderByDescending(g => g.Sum(x => x.Seconds)))
            {
                table.Row($"call {name}:   thread {group.Key}", $"{group.Sum(x => x.Seconds) / minutes:F2}", "CPU s/min", "-");
            }
            var (rss, peak) = d.Memory();
            table.Row($"call {name}: resident memory now / peak", $"{rss / 1e6:F1} / {peak / 1e6:F1}", "MB", "<= 35");
        }

        b.Request("hangup");
    }

    /// <summary>Groups the runtime's own threads (GC, JIT, thread pool, timers) as "runtime".</summary>
    private static string ThreadGroup(string comm) => comm.StartsWith("picotalk-", StringComparison.Ordinal) ? comm : "runtime and others";

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
        }

        public int UdpPort { get; }

        public static Daemon Start(string state, string wav, string config)
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
                         "--audio-in", "wav:" + wav, "--audio-out", "null",
                     })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment.Remove("JOURNAL_STREAM");
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

        /// <summary>User + system CPU seconds of the process so far (proc(5): fields 14 and 15 of /proc/PID/stat, in clock ticks).</summary>
        public double CpuSeconds()
        {
            string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            return ticks / (double)ClockTicksPerSecond;
        }

        /// <summary>CPU seconds of each live thread by "TID name" (/proc/PID/task/TID/stat and comm).</summary>
        public Dictionary<string, double> ThreadCpuSeconds()
        {
            var result = new Dictionary<string, double>();
            foreach (string task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(task, "stat"));
                    string comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    result[$"{comm}"] = result.GetValueOrDefault(comm) + (long.Parse(fields[11]) + long.Parse(fields[12])) / (double)ClockTicksPerSecond;
                }
                catch (IOException)
                {
                    // The thread ended between listing and reading.
                }
            }

            return result;
        }

        /// <summary>VmRSS and VmHWM (peak) of /proc/PID/status, in bytes.</summary>
        public (long Rss, long Peak) Memory()
        {
            long rss = 0, peak = 0;
            foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line);
                }
            }

            return (rss, peak);
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

        private static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

        [GeneratedRegex(@"^ready id=(?<id>[0-9a-f]{40}) udp=(?<udp>\d+) control=(?<control>\S+)$")]
        private static partial Regex ReadyLine();
    }

    /// <summary>USER_HZ: 100 on every Linux architecture this appliance runs on (proc(5), sysconf(_SC_CLK_TCK)).</summary>
    private const int ClockTicksPerSecond = 100;
}
