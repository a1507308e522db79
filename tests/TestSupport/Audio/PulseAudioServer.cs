using System.Diagnostics;
using System.Text;

namespace PicoTalk.TestSupport.Audio;

/// <summary>
/// A private PulseAudio daemon with null sinks: sound "cards" with a real-time clock, for the ALSA
/// <c>pulse</c> plugin (libasound2-plugins; <see cref="AsoundConfig.PulsePcm"/>). Started in the
/// foreground (no fork, no PID file, never exits on idle), its runtime, state and home in
/// <c>runtimeDir</c>, its only client socket <see cref="Socket"/> with anonymous access, no
/// system-wide or per-user configuration (<c>-n</c>). Killed on Dispose, with every player and
/// recorder it started.
/// </summary>
/// <remarks>
/// <para>As root, pulseaudio(1) prints "This program is not intended to be run as root (unless
/// --system is specified)" and then runs normally in this per-user mode; a private HOME,
/// XDG_RUNTIME_DIR and PULSE_RUNTIME_PATH keep it away from any other PulseAudio on the machine.
/// D-Bus is absent here, which it only warns about.</para>
/// <para>module-null-sink renders in blocks as long as the lowest latency its clients ask for, and
/// 2 s when none asks. The ALSA pulse plugin connects with PA_STREAM_EARLY_REQUESTS, which asks for
/// no latency, so on its own a playback stream would wait up to 2 s for the sink's first request. A
/// recording of each sink's monitor that asks for 10 ms (parec --latency-msec=10, discarded: the
/// "latency anchor") keeps the sink running in 10 ms blocks, as a sound card's period interrupt
/// would; the server counts as started once every anchor receives audio.</para>
/// <para>Each sink is 48 kHz mono S16_LE, the appliance's format, so the server never resamples
/// behind a test's back; a sink's monitor (<c>NAME.monitor</c>) is a source that hears exactly what
/// is played into it.</para>
/// </remarks>
public sealed class PulseAudioServer : IDisposable
{
    /// <summary>Only turns a broken setup into a failure instead of a hang.</summary>
    internal static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(20);

    private readonly Process _daemon;
    private readonly string _runtimeDir;
    private readonly StringBuilder _log = new();
    private readonly List<IDisposable> _clients = new();

    private PulseAudioServer(Process daemon, string runtimeDir, IReadOnlyList<string> sinks)
    {
        _daemon = daemon;
        _runtimeDir = runtimeDir;
        Sinks = sinks;
    }

    /// <summary>The native protocol socket clients connect to (<c>server "unix:PATH"</c>).</summary>
    public string Socket => SocketIn(_runtimeDir);

    /// <summary>The null sinks, as named at <see cref="Start"/>.</summary>
    public IReadOnlyList<string> Sinks { get; }

    /// <summary>Throws, with the server's own output, if the daemon has exited since it started.</summary>
    public PulseAudioServer EnsureRunning() => _daemon.HasExited
        ? throw new InvalidOperationException($"PulseAudio exited (code {_daemon.ExitCode}):\n{Log}")
        : this;

    /// <summary>What the daemon and its clients printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Where the server started on <paramref name="runtimeDir"/> listens (known before it starts, for an asoundrc).</summary>
    public static string SocketIn(string runtimeDir) => Path.Combine(runtimeDir, "native");

    /// <summary>Starts the server with one null sink per name, each with its latency anchor.</summary>
    /// <exception cref="InvalidOperationException">pulseaudio did not start; the message holds its output.</exception>
    public static PulseAudioServer Start(string runtimeDir, params string[] sinkNames)
    {
        if (sinkNames.Length == 0)
        {
            throw new ArgumentException("name at least one sink", nameof(sinkNames));
        }

        Directory.CreateDirectory(runtimeDir);
        string socket = SocketIn(runtimeDir);
        var arguments = new List<string>
        {
            "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disallow-exit",
            "-n", "--log-target=stderr", "--log-level=notice",
            // No real-time scheduling or raised priority: a test sink needs neither, and as root
            // PulseAudio would take SCHED_RR on a machine the tests share (pulse-daemon.conf(5)).
            "--realtime=no", "--high-priority=no",
            // No shared memory with clients: PulseAudio 16 aborts on an assertion when a memfd
            // block reference crosses between clients ("Cannot send block reference with
            // non-registered memfd ID", memblock.c memblock_replace_import, upstream issue 824),
            // which killed the server mid-run about one run in five here. Audio then goes over the
            // socket, a few kilobytes a period.
            "--disable-shm=yes",
        };
        arguments.AddRange(sinkNames.Select(sink => $"--load=module-null-sink sink_name={sink} rate=48000 channels=1 format=s16le"));
        arguments.Add($"--load=module-native-protocol-unix socket={socket} auth-anonymous=1");
        var daemon = Launch("pulseaudio", runtimeDir, arguments);
        var server = new PulseAudioServer(daemon, runtimeDir, sinkNames);
        daemon.ErrorDataReceived += (_, e) => server.Append(e.Data);
        daemon.OutputDataReceived += (_, e) => server.Append(e.Data);
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
        try
        {
            server.WaitUntil(() => File.Exists(socket), "the server's socket to appear");
            foreach (string sink in sinkNames)
            {
                var anchor = server.Record(sink + ".monitor", path: null, latencyMilliseconds: 10);
                server.WaitUntil(() => anchor.ReceivedBytes > 0, $"the latency anchor of {sink} (parec) to receive audio");
            }

            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Records <paramref name="source"/> (a sink's monitor: <c>SINK.monitor</c>) as raw 48 kHz mono
    /// S16_LE into <paramref name="path"/>, or nowhere when it is null, until the recording is
    /// disposed (or the server is).
    /// </summary>
    public PulseRecording Record(string source, string? path, int latencyMilliseconds = 10)
    {
        var parec = Launch("parec", _runtimeDir,
        [
            $"--server=unix:{Socket}", $"--device={source}", $"--latency-msec={latencyMilliseconds}",
            "--raw", "--rate=48000", "--channels=1", "--format=s16le",
        ]);
        return Own(new PulseRecording(parec, source, path, Append));
    }

    /// <summary>Plays a WAV file (any format; the server converts it to the sink's) into <paramref name="sink"/> with paplay, from now on, once.</summary>
    public IDisposable Play(string sink, string wavPath)
    {
        var paplay = Launch("paplay", _runtimeDir, [$"--server=unix:{Socket}", $"--device={sink}", wavPath]);
        paplay.ErrorDataReceived += (_, e) => Append(e.Data is null ? null : "paplay: " + e.Data);
        paplay.BeginErrorReadLine();
        paplay.BeginOutputReadLine();
        return Own(new KillOnDispose(paplay));
    }

    /// <summary>
    /// Suspends a null sink (pactl suspend-sink): its playback streams and its monitor stop moving
    /// while the server goes on answering, as when a sound server stops a device.
    /// </summary>
    public void Suspend(string sink) => SuspendSink(sink, true);

    /// <summary>Lets the suspended sink run again.</summary>
    public void Resume(string sink) => SuspendSink(sink, false);

    public void Dispose()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            _clients.Clear();
        }

        KillOnDispose.Stop(_daemon);
    }

    private static Process Launch(string tool, string runtimeDir, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = runtimeDir;
        start.Environment["XDG_RUNTIME_DIR"] = runtimeDir;
        start.Environment["XDG_CONFIG_HOME"] = runtimeDir;
        start.Environment["PULSE_RUNTIME_PATH"] = runtimeDir;
        start.Environment["PULSE_STATE_PATH"] = runtimeDir;
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
    }

    private T Own<T>(T client)
        where T : IDisposable
    {
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    private void WaitUntil(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(() => condition() || _daemon.HasExited, StartGuard) || !condition())
        {
            throw new InvalidOperationException($"PulseAudio did not start: timed out or exited waiting for {what}:\n{Log}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void SuspendSink(string sink, bool suspend)
    {
        using var pactl = Launch("pactl", _runtimeDir, [$"--server=unix:{Socket}", "suspend-sink", sink, suspend ? "1" : "0"]);
        string error = pactl.StandardError.ReadToEnd();
        pactl.StandardOutput.ReadToEnd();
        if (!pactl.WaitForExit(StartGuard) || pactl.ExitCode != 0)
        {
            throw new InvalidOperationException($"pactl suspend-sink {sink} {(suspend ? 1 : 0)} failed: {error}");
        }
    }

    /// <summary>A client process of the server, killed on Dispose.</summary>
    private sealed class KillOnDispose(Process process) : IDisposable
    {
        public void Dispose() => Stop(process);

        public static void Stop(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }
}
