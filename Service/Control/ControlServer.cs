using System.Collections.Concurrent;
using System.Net.Sockets;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Service.Control;

/// <summary>
/// The daemon's control socket (DESIGN.md "Control socket"): accepts local clients on a Unix
/// stream socket, runs the control protocol on each (<see cref="ControlConnection"/>) against an
/// <see cref="IControlHandler"/>, and pushes events to subscribers. Socket file handling lives in
/// <see cref="ControlSocketFile"/>.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    /// <summary>Most clients served at once (our choice: the web UI, a few CLIs and scripts).</summary>
    public const int MaxConnections = 32;

    /// <summary>Events queued per subscriber before it counts as too slow and is dropped.</summary>
    public const int EventQueueCapacity = 256;

    private const int ListenBacklog = 16;

    private readonly string _socketPath;
    private readonly IControlHandler _handler;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<ControlConnection, Task> _connections = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _disposed;

    public ControlServer(string socketPath, IControlHandler handler, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        ArgumentNullException.ThrowIfNull(handler);
        _socketPath = Path.GetFullPath(socketPath);
        _handler = handler;
        _log = log;
    }

    /// <summary>The socket file's full path.</summary>
    public string SocketPath => _socketPath;

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Creates the socket file (mode 0660) and starts accepting. Replaces a stale file left by a
    /// dead daemon; throws <see cref="IOException"/> if another daemon listens there and
    /// <see cref="DirectoryNotFoundException"/> if the parent directory is missing.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("the control server is already started");
        }

        _listener = ControlSocketFile.Listen(_socketPath, ListenBacklog, _log);
        _acceptLoop = AcceptLoopAsync(_listener, _stopping.Token);
    }

    /// <summary>
    /// Sends <paramref name="evt"/> to every subscribed connection. Never blocks: the line is
    /// encoded once and queued per connection; a subscriber whose queue is full is dropped.
    /// </summary>
    public void Publish(ControlEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        byte[] line = ControlLines.Encode(evt);
        foreach (var connection in _connections.Keys)
        {
            if (!connection.TryEnqueueEvent(line))
            {
                // Abort closes the socket; do it off the caller's thread (the daemon's event loop).
                ThreadPool.UnsafeQueueUserWorkItem(
                    static c => c.Abort($"event queue full ({EventQueueCapacity} events): client too slow"),
                    connection, preferLocal: false);
            }
        }
    }

    /// <summary>Stops accepting, closes every connection and deletes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        foreach (var connection in _connections.Keys)
        {
            connection.Abort("control server stopping");
        }

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        if (_listener is not null)
        {
            ControlSocketFile.TryDelete(_socketPath);
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and the like: keep serving those already connected, try again.
                _log?.Invoke($"control: accept failed: {e.Message}");
                if (token.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (_connections.Count >= MaxConnections)
            {
                _log?.Invoke($"control: refusing a client: {MaxConnections} connections already");
                _ = RefuseAsync(client);
                continue;
            }

            Serve(client, token);
        }
    }

    private void Serve(Socket client, CancellationToken token)
    {
        var stream = new NetworkStream(client, ownsSocket: true);
        var connection = new ControlConnection(stream, stream, _handler, EventQueueCapacity, _log, stream.Dispose);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(async () =>
        {
            // Registered before it runs, so DisposeAsync always sees it.
            await started.Task.ConfigureAwait(false);
            try
            {
                await connection.RunAsync(token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log?.Invoke($"control: connection failed: {e}");
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                _connections.TryRemove(connection, out _);
            }
        }, CancellationToken.None);
        _connections[connection] = run;
        started.SetResult();
    }

    private static async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            var reply = ControlReply.Failure(ControlLimits.UnknownId, ControlErrorCodes.Busy,
                $"too many control connections ({MaxConnections})");
            try
            {
                await client.SendAsync(ControlLines.Encode(reply), SocketFlags.None).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The refused client is gone already.
            }
        }
    }
}
