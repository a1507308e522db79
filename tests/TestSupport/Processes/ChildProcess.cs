using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace PicoTalk.TestSupport.Processes;

/// <summary>
/// A process a test started (a daemon, the UI, a client): its stdout and stderr read line by line
/// into a channel that <see cref="WaitForLineAsync"/> consumes, everything kept for failure
/// messages, stopped with SIGTERM as systemd stops a service (signal(7)) and SIGKILL if it hangs.
/// Only the process this object started is ever signalled.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _log = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>What the failure messages call it ("picotalkd", "picotalk ui").</summary>
    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it printed so far, stderr lines prefixed "stderr: ".</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts <paramref name="start"/> with stdout and stderr redirected and read.</summary>
    public static ChildProcess Start(ProcessStartInfo start, string name)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // A test run under a systemd unit must not hand its journal stream to children, which would
        // then log to the journal instead of the pipes read here (systemd.exec(5) $JOURNAL_STREAM).
        start.Environment.Remove("JOURNAL_STREAM");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts <c>dotnet ASSEMBLY ARGS...</c>.</summary>
    public static ChildProcess StartDotnet(string name, string assembly, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(assembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Start(start, name);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    /// <summary>
    /// The next line (not seen by an earlier wait) that matches <paramref name="pattern"/>; a
    /// <see cref="TimeoutException"/> carrying the whole output if none comes within
    /// <paramref name="timeout"/> or the process closes its output first.
    /// </summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (string line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                var match = pattern.Match(line);
                if (match.Success)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        string why = HasExited ? $"exited ({_process.ExitCode}) without printing" : $"did not print within {timeout.TotalSeconds} s";
        throw new TimeoutException($"{Name} {why} /{pattern}/; it printed:\n{Output}");
    }

    /// <summary>Waits for a process that ends by itself (a command line client); its exit code, once
    /// everything it printed has been read into <see cref="Output"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            // Also waits for the end of the redirected streams (Process.WaitForExitAsync's contract).
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="timeout"/>; its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                throw new TimeoutException($"{Name} did not stop within {timeout.TotalSeconds} s of SIGTERM:\n{Output}");
            }
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Killed; the test that owned it has already reported (or passed) by now.
        }

        _process.Dispose();
    }

    // signal(7): the signal systemd sends first when it stops a unit.
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
