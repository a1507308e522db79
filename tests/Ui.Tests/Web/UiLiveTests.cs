using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>
/// The page's WebSocket (/api/ws): who may open it, and what it carries: daemon events at once, a
/// status after each, and whether the daemon is up, across a daemon restart.
/// </summary>
public sealed class UiLiveTests : IAsyncLifetime
{
    private UiServerFixture _ui = null!;
    private string _cookie = "";
    private string _csrf = "";

    public Task InitializeAsync() => StartAsync(null);

    private async Task StartAsync(TimeProvider? time)
    {
        _ui = await UiServerFixture.StartAsync(time);
        (_cookie, _csrf) = await _ui.SetUpAsync();
    }

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    [Theory]
    [InlineData(true, null, null, HttpStatusCode.Forbidden)] // no CSRF token
    [InlineData(true, "wrong", null, HttpStatusCode.Forbidden)]
    [InlineData(true, "right", "http://evil.example", HttpStatusCode.Forbidden)]
    [InlineData(false, "right", null, HttpStatusCode.Unauthorized)] // no session
    public async Task The_WebSocket_is_refused_without_the_session_its_CSRF_token_or_from_another_origin(
        bool withCookie, string? csrf, string? origin, HttpStatusCode expected)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (withCookie)
        {
            socket.Options.SetRequestHeader("Cookie", _cookie);
        }

        socket.Options.SetRequestHeader("Origin", origin ?? _ui.BaseUrl);
        string query = csrf switch { null => "", "right" => "?csrf=" + Uri.EscapeDataString(_csrf), _ => "?csrf=" + csrf };
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(query), CancellationToken.None).WaitAsync(UiServerFixture.Timeout));
        Assert.Equal(expected, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Events_come_at_once_with_a_status_after_each()
    {
        // On a clock that never moves the once-a-second poll never runs: a status can only come from the event.
        await _ui.DisposeAsync();
        await StartAsync(new PicoTalk.TestSupport.FakeTimeProvider());
        using var socket = await ConnectAsync();
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "daemon" && m.GetProperty("up").GetBoolean());
        await WaitForAsync(() => _ui.Daemon.SubscriberCount > 0 && _ui.Server.Context.Daemon.IsUp);
        int statusRequests = _ui.Daemon.Requests.Count(r => r.Cmd == ControlCommands.Status);

        _ui.Daemon.Publish(ControlEvent.Ring(new RingEventData(WebFakeDaemon.OwnId, "127.0.0.1:40000", "Gate")));
        var ring = await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "event");
        Assert.Equal("ring", ring.GetProperty("event").GetString());
        Assert.Equal("Gate", ring.GetProperty("data").GetProperty("name").GetString());
        var status = await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "status");
        Assert.Equal("idle", status.GetProperty("status").GetProperty("state").GetString());
        Assert.True(_ui.Daemon.Requests.Count(r => r.Cmd == ControlCommands.Status) > statusRequests);
    }

    [Fact]
    public async Task The_status_is_polled_every_second_while_a_page_is_open()
    {
        using var socket = await ConnectAsync();
        var started = DateTime.UtcNow;
        for (int i = 0; i < 3; i++)
        {
            await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "status");
        }

        // Three statuses without any event: at most about two poll intervals (the first comes on connect).
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0, 3.5);
    }

    [Fact]
    public async Task A_daemon_restart_is_told_to_the_page_and_followed_by_reconnecting()
    {
        using var socket = await ConnectAsync();
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "daemon" && m.GetProperty("up").GetBoolean());

        await _ui.Daemon.StopAsync();
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "daemon" && !m.GetProperty("up").GetBoolean());
        Assert.Contains(_ui.Log, line => line.StartsWith("ui: picotalkd not reachable", StringComparison.Ordinal));

        _ui.Daemon.Start();
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "daemon" && m.GetProperty("up").GetBoolean());
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "status");

        // Requests work again over a new connection, and events flow on the new subscription.
        var status = await _ui.GetAsync("/api/status", _cookie);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await WaitForAsync(() => _ui.Daemon.SubscriberCount > 0);
        _ui.Daemon.Publish(ControlEvent.CallEnded(CallEndReasons.Hangup, "peer hung up"));
        var ended = await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "event");
        Assert.Equal("call_ended", ended.GetProperty("event").GetString());
    }

    [Fact]
    public async Task Stopping_the_UI_closes_open_pages_instead_of_waiting_for_them()
    {
        using var socket = await ConnectAsync();
        await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "daemon");
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await _ui.Server.DisposeAsync().AsTask().WaitAsync(UiServerFixture.Timeout);
        // The host's shutdown timeout is 30 s; an open socket that held the stop would take all of it.
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopped after {stopping.Elapsed}");
        // And the page sees its socket end (it then reconnects), rather than a silent one.
        var closed = System.Diagnostics.Stopwatch.StartNew();
        var ended = await Record.ExceptionAsync(() => ReadUntilAsync(socket, _ => false));
        Assert.NotNull(ended);
        Assert.False(ended is OperationCanceledException, "the socket stayed open");
        Assert.True(closed.Elapsed < TimeSpan.FromSeconds(5), $"closed after {closed.Elapsed}");
    }

    private Uri WsUri(string query) => new(_ui.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/api/ws" + query);

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", _cookie);
        socket.Options.SetRequestHeader("Origin", _ui.BaseUrl);
        await socket.ConnectAsync(WsUri("?csrf=" + Uri.EscapeDataString(_csrf)), CancellationToken.None).WaitAsync(UiServerFixture.Timeout);
        return socket;
    }

    /// <summary>Reads messages until one matches, within the timeout.</summary>
    private static async Task<JsonElement> ReadUntilAsync(ClientWebSocket socket, Func<JsonElement, bool> match)
    {
        using var deadline = new CancellationTokenSource(UiServerFixture.Timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), deadline.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length));
            if (match(document.RootElement))
            {
                return document.RootElement.Clone();
            }
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + UiServerFixture.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
