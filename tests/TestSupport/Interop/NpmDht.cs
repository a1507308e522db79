using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PicoTalk.TestSupport.Interop;

/// <summary>
/// One <c>node bittorrent-dht-driver.mjs</c> process hosting any number of npm bittorrent-dht nodes
/// (an independent BEP 5 implementation) on 127.0.0.1, for interop tests and benchmarks against our
/// DHT. Talks to the driver with one JSON object per line (protocol at the top of the script);
/// every command has a timeout, and failures quote the driver's stderr.
/// </summary>
public sealed class NpmDht : IAsyncDisposable
{
    /// <summary>Default guard per command: loopback lookups take milliseconds.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(15);

    private const int StderrLinesKept = 200;

    private readonly Process _process;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<string> _stderr = new();
    private readonly Task _readLoop;
    private long _nextSeq;
    private int _disposed;
    private volatile bool _driverExited;

    private NpmDht(Process process, TimeSpan commandTimeout, TimeProvider timeProvider)
    {
        _process = process;
        CommandTimeout = commandTimeout;
        _timeProvider = timeProvider;
        _process.ErrorDataReceived += (_, e) => KeepStderr(e.Data);
        _process.BeginErrorReadLine();
        _readLoop = Task.Run(ReadRepliesAsync);
    }

    /// <summary>How long each command may take before it fails with <see cref="TimeoutException"/>.</summary>
    public TimeSpan CommandTimeout { get; }

    /// <summary>The last lines the driver wrote to stderr (warnings, errors, refused addresses).</summary>
    public string StandardErrorText
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>
    /// Installs the pinned package (once per test run, see <see cref="NpmDhtInstall"/>) and starts
    /// a driver process. <paramref name="timeProvider"/> only measures the command guards.
    /// </summary>
    /// <exception cref="NpmDhtUnavailableException">node/npm missing or the registry unreachable.</exception>
    public static async Task<NpmDht> LaunchAsync(TimeSpan? commandTimeout = null, TimeProvider? timeProvider = null)
    {
        string folder = await NpmDhtInstall.EnsureInstalledAsync().ConfigureAwait(false);
        var start = new ProcessStartInfo(NpmDhtInstall.RequireNode())
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // No byte-order mark: the driver parses the first line as JSON.
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(folder, NpmDhtInstall.DriverFileName));
        // The package logs through `debug`; a DEBUG inherited from the shell would flood stderr.
        start.Environment.Remove("DEBUG");
        var process = Process.Start(start) ?? throw new NpmDhtUnavailableException("could not start node");
        return new NpmDht(process, commandTimeout ?? DefaultCommandTimeout, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Starts one npm DHT node listening on 127.0.0.1 (see <see cref="NpmDhtNodeOptions"/>).</summary>
    public async Task<NpmDhtNode> StartNodeAsync(NpmDhtNodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NpmDhtNodeOptions();
        var request = new JsonObject
        {
            ["cmd"] = "start",
            ["port"] = options.Port,
            ["host"] = "127.0.0.1",
            ["bootstrap"] = new JsonArray([.. options.Bootstrap.Select(b => (JsonNode)NpmDhtNode.RequireLoopback(b).ToString())]),
            ["wait"] = options.WaitForReady ? "ready" : "listening",
        };
        if (options.NodeId is { } id)
        {
            request["nodeId"] = id.ToString();
        }

        if (options.K is { } k)
        {
            request["k"] = k;
        }

        if (options.Concurrency is { } concurrency)
        {
            request["concurrency"] = concurrency;
        }

        if (options.QueryTimeout is { } queryTimeout)
        {
            request["timeoutMs"] = (int)queryTimeout.TotalMilliseconds;
        }

        JsonElement reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return new NpmDhtNode(
            this,
            reply.GetProperty("node").GetInt32(),
            Protocol.Identity.NodeId.Parse(reply.GetProperty("id").GetString() ?? ""),
            reply.GetProperty("port").GetInt32());
    }

    /// <summary>
    /// Starts <paramref name="count"/> nodes that bootstrap from <paramref name="seeds"/>, or, when
    /// none are given, from a first node started without bootstrap (which is then element 0).
    /// Started in batches of <paramref name="parallel"/> so a 1,000-node swarm does not flood.
    /// </summary>
    public async Task<IReadOnlyList<NpmDhtNode>> StartSwarmAsync(
        int count, IReadOnlyList<Protocol.Wire.PeerEndpoint>? seeds = null, int parallel = 32, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var nodes = new List<NpmDhtNode>(count);
        if (seeds is null || seeds.Count == 0)
        {
            nodes.Add(await StartNodeAsync(null, cancellationToken).ConfigureAwait(false));
            seeds = [nodes[0].EndPoint];
        }

        var options = new NpmDhtNodeOptions { Bootstrap = seeds };
        while (nodes.Count < count)
        {
            int batch = Math.Min(parallel, count - nodes.Count);
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => StartNodeAsync(options, cancellationToken))).ConfigureAwait(false));
        }

        return nodes;
    }

    /// <summary>Stops every node and ends the driver process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                // Real time here, not the caller's clock: cleanup must end even when a test's fake
                // clock never moves again.
                await SendCoreAsync(new JsonObject { ["cmd"] = "stop" }, TimeSpan.FromSeconds(5), TimeProvider.System, default).ConfigureAwait(false);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TimeoutException or NpmDhtException or IOException or InvalidOperationException)
        {
            // The driver is stuck or gone; the kill below is the fallback for exactly this.
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _readLoop.ConfigureAwait(false);
            _process.Dispose();
            _writeLock.Dispose();
        }
    }

    /// <summary>Sends one command and returns the driver's reply object (ok already checked).</summary>
    internal Task<JsonElement> SendAsync(JsonObject request, CancellationToken cancellationToken) =>
        Volatile.Read(ref _disposed) != 0
            ? throw new ObjectDisposedException(nameof(NpmDht))
            : SendCoreAsync(request, CommandTimeout, _timeProvider, cancellationToken);

    private async Task<JsonElement> SendCoreAsync(JsonObject request, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        long seq = Interlocked.Increment(ref _nextSeq);
        request["seq"] = seq;
        string command = request["cmd"]?.GetValue<string>() ?? "?";
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[seq] = reply;
        try
        {
            if (_driverExited)
            {
                throw new NpmDhtException($"npm bittorrent-dht driver has exited; cannot send '{command}'", StandardErrorText);
            }

            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _process.StandardInput.WriteLineAsync(request.ToJsonString()).ConfigureAwait(false);
                await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            JsonElement result = await reply.Task.WaitAsync(timeout, clock, cancellationToken).ConfigureAwait(false);
            if (!result.GetProperty("ok").GetBoolean())
            {
                throw new NpmDhtException(
                    $"npm bittorrent-dht driver refused '{command}': {result.GetProperty("error").GetString()}", StandardErrorText);
            }

            return result;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"npm bittorrent-dht driver gave no reply to '{command}' within {timeout.TotalSeconds} s. Its stderr:\n{StandardErrorText}");
        }
        catch (IOException e)
        {
            throw new NpmDhtException($"npm bittorrent-dht driver is gone ({e.Message}) while sending '{command}'", StandardErrorText);
        }
        finally
        {
            _pending.TryRemove(seq, out _);
        }
    }

    private async Task ReadRepliesAsync()
    {
        StreamReader stdout = _process.StandardOutput;
        while (await stdout.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            JsonElement reply;
            try
            {
                using var document = JsonDocument.Parse(line);
                reply = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                KeepStderr($"(stdout, not JSON) {line}");
                continue;
            }

            if (reply.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number &&
                _pending.TryGetValue(seq.GetInt64(), out var waiter))
            {
                waiter.TrySetResult(reply);
            }
            else
            {
                KeepStderr($"(stdout, unmatched reply) {line}");
            }
        }

        // EOF: the driver exited; nothing more will answer.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _driverExited = true;
        foreach (var waiter in _pending.Values)
        {
            waiter.TrySetException(new NpmDhtException(
                $"npm bittorrent-dht driver exited with code {_process.ExitCode} before replying", StandardErrorText));
        }
    }

    private void KeepStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLinesKept)
            {
                _stderr.Dequeue();
            }
        }
    }
}

/// <summary>The driver answered a command with an error, or exited; the message quotes its stderr.</summary>
public sealed class NpmDhtException(string message, string stderr)
    : Exception(stderr.Length == 0 ? message : $"{message}\nnode stderr (last lines):\n{stderr}")
{
    public string StandardError { get; } = stderr;
}
