using System.Diagnostics;
using System.Text;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>
/// A private PulseAudio daemon with one null sink: a sound "card" with a real-time clock, for the
/// ALSA <c>pulse</c> plugin (libasound2-plugins). Started in the foreground (no fork, no PID file,
/// never exits on idle), its runtime, state and home in <c>runtimeDir</c>, its only client socket
/// <c>runtimeDir/native</c> with anonymous access, no system-wide or per-user configuration
/// (<c>-n</c>). Killed on Dispose.
/// </summary>
/// <remarks>
/// <para>As root, pulseaudio(1) prints "This program is not intended to be run as root (unless
/// --system is specified)" and then runs normally in this per-user mode; a private HOME,
/// XDG_RUNTIME_DIR and PULSE_RUNTIME_PATH keep it away from any other PulseAudio on the machine.
/// D-Bus is absent here, which it only warns about.</para>
/// <para>module-null-sink renders in blocks as long as the lowest latency its clients ask for, and
/// 2 s when none asks. The ALSA pulse plugin connects with PA_STREAM_EARLY_REQUESTS, which asks for
/// no latency, so on its own a playback stream would wait up to 2 s for the sink's first request. A
/// recording of the sink's monitor that asks for 10 ms (parec --latency-msec=10, discarded) keeps
/// the sink running in 10 ms blocks, as a sound card's period interrupt would; the server counts as
/// started once that recording receives audio.</para>
/// </remarks>
public sealed class PulseAudioServer : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(20);

    private readonly Process _daemon;
    private readonly string _runtimeDir;
    private readonly string _sinkName;
    private readonly StringBuilder _log = new();
    private Process? _anchor;

    private PulseAudioServer(Process daemon, string runtimeDir, string sinkName, string socket)
    {
        _daemon = daemon;
        _runtimeDir = runtimeDir;
        _sinkName = sinkName;
        Socket = socket;
    }

    /// <summary>The native protocol socket clients connect to (<c>server "unix:PATH"</c>).</summary>
    public string Socket { get; }

    /// <summary>What the daemon and the latency anchor printed so far (for failure messages).</summary>
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

    /// <exception cref="InvalidOperationException">pulseaudio did not start; the message holds its output.</exception>
    public static PulseAudioServer Start(string runtimeDir, string sinkName)
    {
        Directory.CreateDirectory(runtimeDir);
        string socket = Path.Combine(runtimeDir, "native");
        var daemon = Launch("pulseaudio", runtimeDir,
        [
            "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disallow-exit",
            "-n", "--log-target=stderr", "--log-level=notice",
            // The sink's native format is ours, so the server does not resample behind the test's back.
            $"--load=module-null-sink sink_name={sinkName} rate=48000 channels=1 format=s16le",
            $"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
        ]);
        var server = new PulseAudioServer(daemon, runtimeDir, sinkName, socket);
        server.Capture(daemon);
        try
        {
            server.WaitUntil(() => File.Exists(socket), "the server's socket to appear");
            server.StartAnchor(runtimeDir, sinkName);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Suspends the null sink (pactl suspend-sink): its playback streams and its monitor stop
    /// moving while the server goes on answering, as when a sound server stops a device.
    /// </summary>
    public void Suspend() => SuspendSink(true);

    /// <summary>Lets the suspended sink run again.</summary>
    public void Resume() => SuspendSink(false);

    public void Dispose()
    {
        foreach (var process in new[] { _anchor, _daemon })
        {
            if (process is null)
            {
                continue;
            }

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

    private static Process Launch(string tool, string runtimeDir, string[] arguments)
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

    private void StartAnchor(string runtimeDir, string sinkName)
    {
        _anchor = Launch("parec", runtimeDir,
            [$"--server=unix:{Socket}", $"--device={sinkName}.monitor", "--latency-msec=10", "--raw", "--rate=48000", "--channels=1", "--format=s16le"]);
        _anchor.ErrorDataReceived += (_, e) => Append(e.Data);
        _anchor.BeginErrorReadLine();
        long received = 0;
        var anchor = _anchor;
        var drain = new Thread(() =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = anchor.StandardOutput.BaseStream.Read(buffer)) > 0)
            {
                Interlocked.Add(ref received, n);
            }
        })
        { IsBackground = true, Name = "parec-drain" };
        drain.Start();
        WaitUntil(() => Interlocked.Read(ref received) > 0, "the latency anchor (parec) to receive audio");
    }

    private void WaitUntil(Func<bool> condition, string what)
    {
        // The guard only turns a broken setup into a failure instead of a hang.
        if (!SpinWait.SpinUntil(() => condition() || _daemon.HasExited || _anchor is { HasExited: true }, StartGuard) || !condition())
        {
            throw new InvalidOperationException($"PulseAudio did not start: timed out or exited waiting for {what}:\n{Log}");
        }
    }

    private void Capture(Process process)
    {
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
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

    private void SuspendSink(bool suspend)
    {
        using var pactl = Launch("pactl", _runtimeDir, [$"--server=unix:{Socket}", "suspend-sink", _sinkName, suspend ? "1" : "0"]);
        string error = pactl.StandardError.ReadToEnd();
        pactl.StandardOutput.ReadToEnd();
        if (!pactl.WaitForExit(StartGuard) || pactl.ExitCode != 0)
        {
            throw new InvalidOperationException($"pactl suspend-sink {_sinkName} {(suspend ? 1 : 0)} failed: {error}");
        }
    }
}
