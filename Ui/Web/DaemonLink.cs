using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Web;

/// <summary>The daemon could not be asked (not running, restarting, or it broke the connection).</summary>
internal sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The web page's only way to the daemon: its control socket (DESIGN.md "Control socket"). One
/// connection subscribes to events and stays open, which is also how the daemon's going away is
/// noticed at once; it is reconnected with exponential backoff (<see cref="MinBackoff"/> doubling
/// to <see cref="MaxBackoff"/>). Requests go over a second connection, one at a time (ControlClient
/// is not thread-safe). Every event goes to the pages at once, followed by a fresh status; while
/// any page is open the status is also polled every <see cref="PollInterval"/>.
/// </summary>
internal sealed class DaemonLink : IAsyncDisposable
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string _socketPath;
    private readonly LiveHub _hub;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _requestLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _statusNow = new(0, 1);
    private ControlClient? _requests;
    private Task _events = Task.CompletedTask;
    private Task _poll = Task.CompletedTask;
    private volatile bool _up;
    private volatile byte[]? _lastStatus;

    public DaemonLink(string socketPath, LiveHub hub, TimeProvider time, Action<string> log)
    {
        _socketPath = socketPath;
        _hub = hub;
        _time = time;
        _log = log;
    }

    public string SocketPath => _socketPath;

    /// <summary>Whether the event connection is open now.</summary>
    public bool IsUp => _up;

    /// <summary>What a page that opens its WebSocket gets first: whether the daemon is up, and the latest status.</summary>
    public IEnumerable<byte[]> Greeting()
    {
        yield return LiveHub.DaemonMessage(_up);
        if (_up && _lastStatus is { } status)
        {
            yield return status;
        }
    }

    public void Start()
    {
        _events = Task.Run(() => FollowEventsAsync(_stopping.Token));
        _poll = Task.Run(() => PollStatusAsync(_stopping.Token));
    }

    /// <summary>Asks the daemon; throws <see cref="DaemonUnavailableException"/> if it cannot be reached.</summary>
    public async Task<ControlReply> RequestAsync(string cmd, JsonElement? args, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _stopping.Token);
        await _requestLock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            // A kept connection may be from before a daemon restart: one retry on a fresh one.
            for (int attempt = 0; ; attempt++)
            {
                bool fresh = _requests is null;
                try
                {
                    _requests ??= await ControlClient.ConnectAsync(_socketPath, linked.Token).ConfigureAwait(false);
                    return await _requests.RequestAsync(cmd, args, linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ControlUnavailableException or ControlProtocolException)
                {
                    await DropRequestConnectionAsync().ConfigureAwait(false);
                    if (fresh || attempt > 0)
                    {
                        throw new DaemonUnavailableException($"picotalkd is not reachable: {e.Message}", e);
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    await DropRequestConnectionAsync().ConfigureAwait(false);
                    throw new DaemonUnavailableException($"picotalkd did not answer '{cmd}' within {RequestTimeout.TotalSeconds:0} s");
                }
            }
        }
        finally
        {
            _requestLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_events, _poll).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await DropRequestConnectionAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task DropRequestConnectionAsync()
    {
        if (_requests is { } client)
        {
            _requests = null;
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task FollowEventsAsync(CancellationToken stopping)
    {
        var backoff = MinBackoff;
        string? lastProblem = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var client = await ControlClient.ConnectAsync(_socketPath, stopping).ConfigureAwait(false);
                var reply = await client.RequestAsync(ControlCommands.Events, null, stopping).ConfigureAwait(false);
                if (!reply.Ok)
                {
                    throw new ControlProtocolException($"events refused: {reply.Error!.Code}: {reply.Error.Message}");
                }

                SetUp(true, null);
                lastProblem = null;
                backoff = MinBackoff;
                while (await client.ReadEventAsync(stopping).ConfigureAwait(false) is { } evt)
                {
                    _hub.Publish(LiveHub.EventMessage(evt.Event, evt.Data));
                    RequestStatusNow();
                }

                SetUp(false, "picotalkd closed the connection");
            }
            catch (Exception e) when (e is ControlUnavailableException or ControlProtocolException or IOException)
            {
                // Logged once per kind of failure, not every retry.
                if (e.Message != lastProblem)
                {
                    SetUp(false, e.Message);
                    lastProblem = e.Message;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(backoff, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private void SetUp(bool up, string? why)
    {
        if (_up == up)
        {
            return;
        }

        _up = up;
        if (!up)
        {
            _lastStatus = null;
        }

        _log(up ? $"ui: connected to picotalkd at {_socketPath}" : $"ui: picotalkd not reachable: {why}; retrying");
        _hub.Publish(LiveHub.DaemonMessage(up));
        if (up)
        {
            RequestStatusNow();
        }
    }

    private void RequestStatusNow()
    {
        try
        {
            _statusNow.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already asked for.
        }
    }

    private async Task PollStatusAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            using (var tick = new CancellationTokenSource(PollInterval, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(tick.Token, stopping))
            {
                try
                {
                    await _statusNow.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    // A second went by.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (!_up || _hub.Count == 0)
            {
                continue;
            }

            try
            {
                var reply = await RequestAsync(ControlCommands.Status, null, stopping).ConfigureAwait(false);
                if (reply.Ok)
                {
                    byte[] message = LiveHub.StatusMessage(reply.Result!.Value);
                    _lastStatus = message;
                    _hub.Publish(message);
                }
            }
            catch (DaemonUnavailableException)
            {
                // The event connection notices and tells the pages.
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
