using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// <c>picotalk events --json</c> as a running process: every event the daemon pushes, one JSON
/// object per line, waited for by predicate (no polling, no sleeping).
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<string> _seen = new();

    private EventStream(Process process)
    {
        _process = process;
    }

    public static async Task<EventStream> OpenAsync(DaemonProcess daemon)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { BuildOutput.Client, "--control", daemon.ControlPath, "events", "--json" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var stream = new EventStream(process);
        process.OutputDataReceived += (_, e) => stream.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => stream.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // `events --json` prints the subscription's result before any event: once it is here, no
        // event can be missed.
        await stream.WaitForSubscriptionAsync(TimeSpan.FromSeconds(20));
        return stream;
    }

    private readonly TaskCompletionSource<bool> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task WaitForSubscriptionAsync(TimeSpan timeout)
    {
        try
        {
            await _subscribed.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"`picotalk events --json` did not print {{\"subscribed\":true}} within {timeout.TotalSeconds} s:\n{Seen}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _events.Writer.TryComplete();
            _subscribed.TrySetResult(false);
            return;
        }

        lock (_seen)
        {
            _seen.Add(line);
        }

        if (line == "{\"subscribed\":true}")
        {
            _subscribed.TrySetResult(true);
            return;
        }

        if (line.StartsWith('{'))
        {
            try
            {
                _events.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }
    }

    public string Seen
    {
        get
        {
            lock (_seen)
            {
                return string.Join('\n', _seen);
            }
        }
    }

    /// <summary>Waits for an event named <paramref name="name"/> whose data satisfies <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(cts.Token))
            {
                if (e.TryGetProperty("event", out var n) && n.GetString() == name
                    && e.TryGetProperty("data", out var data) && (match is null || match(data)))
                {
                    return data;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"no '{name}' event within {limit.TotalSeconds} s; the stream had:\n{Seen}");
    }

    public Task<JsonElement> WaitForStateAsync(string state, TimeSpan? timeout = null) =>
        WaitForAsync("state", d => d.GetProperty("now").GetString() == state, timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
