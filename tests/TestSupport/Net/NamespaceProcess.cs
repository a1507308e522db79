using System.Diagnostics;
using System.Threading.Channels;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// A program running inside a lab namespace, its stdout and stderr captured line by line. Disposing
/// it (or the lab) kills it with its children if it still runs.
/// </summary>
public sealed class NamespaceProcess : IAsyncDisposable
{
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stdout = new();
    private readonly List<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _disposed;

    private NamespaceProcess(Process process)
    {
        Process = process;
        Id = process.Id;
    }

    public Process Process { get; }

    public int Id { get; }

    /// <summary>True once the program ended (always true after dispose, which kills it).</summary>
    public bool HasExited => _disposed || Process.HasExited;

    /// <summary>Everything printed on stdout so far.</summary>
    public string Stdout => Joined(_stdout);

    /// <summary>Everything printed on stderr so far.</summary>
    public string Stderr => Joined(_stderr);

    internal static NamespaceProcess Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var started = new NamespaceProcess(process);
        process.OutputDataReceived += (_, e) => started.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => started.OnStderr(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for a stdout line that satisfies <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await foreach (string line in _stdoutLines.Reader.ReadAllAsync(limit.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching line within {timeout.TotalSeconds} s; {Describe()}");
        }

        throw new InvalidOperationException($"the program closed stdout without a matching line; {Describe()}");
    }

    /// <summary>Waits for the program to end and returns what it printed.</summary>
    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(limit.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the program did not end within {timeout.TotalSeconds} s; {Describe()}");
        }

        return new ProcessResult(Process.ExitCode, Stdout, Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            await Process.WaitForExitAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // The caller disposed the Process itself: it was reaped, nothing runs any more.
        }

        _disposed = true;
        Process.Dispose();
    }

    private string Describe() => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _stdoutLines.Writer.TryComplete();
            _stdoutClosed.TrySetResult();
            return;
        }

        lock (_stdout)
        {
            _stdout.Add(line);
        }

        _stdoutLines.Writer.TryWrite(line);
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            _stderrClosed.TrySetResult();
            return;
        }

        lock (_stderr)
        {
            _stderr.Add(line);
        }
    }

    private static string Joined(List<string> lines)
    {
        lock (lines)
        {
            return string.Join('\n', lines);
        }
    }
}
