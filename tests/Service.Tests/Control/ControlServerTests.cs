using System.Net.Sockets;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Tests.Control;

/// <summary>The control server over a real Unix socket in a temporary directory.</summary>
public sealed class ControlServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ptctl-");
    private readonly FakeControlHandler _handler = new();
    private readonly List<string> _log = [];
    private ControlServer _server = null!;

    private string SocketPath => Path.Combine(_directory.FullName, "control.sock");

    public Task InitializeAsync()
    {
        _server = new ControlServer(SocketPath, _handler, Log);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Answers_a_request()
    {
        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        Assert.Equal($$$"""{"id":1,"ok":true,"result":{"id":"{{{FakeControlHandler.OwnId}}}"}}""",
            await client.RequestAsync("""{"id":1,"cmd":"id"}"""));
    }

    [Fact]
    public async Task Answers_pipelined_requests_in_order()
    {
        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        await client.SendAsync("""{"id":1,"cmd":"id"}""" + "\n" + """{"id":2,"cmd":"answer"}""" + "\n" + """{"id":3,"cmd":"nope"}""" + "\n");
        Assert.StartsWith("""{"id":1,"ok":true""", await client.ReadLineAsync());
        Assert.StartsWith("""{"id":2,"ok":false,"error":{"code":"invalid_state" """.TrimEnd(), await client.ReadLineAsync());
        Assert.StartsWith("""{"id":3,"ok":false,"error":{"code":"unknown_command" """.TrimEnd(), await client.ReadLineAsync());
    }

    [Fact]
    public async Task Bad_lines_get_bad_request_and_the_connection_is_kept()
    {
        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        Assert.StartsWith("""{"id":0,"ok":false,"error":{"code":"bad_request" """.TrimEnd(), await client.RequestAsync("{not json"));
        Assert.StartsWith("""{"id":4,"ok":false,"error":{"code":"bad_request" """.TrimEnd(), await client.RequestAsync("""{"id":4,"cmd":17}"""));
        Assert.Equal("""{"id":0,"ok":false,"error":{"code":"bad_request","message":"request line longer than 65536 bytes"}}""",
            await client.RequestAsync(new string('{', 100_000)));
        Assert.StartsWith("""{"id":5,"ok":false,"error":{"code":"internal" """.TrimEnd(), await client.RequestAsync("""{"id":5,"cmd":"boom"}"""));
        Assert.StartsWith("""{"id":6,"ok":true""", await client.RequestAsync("""{"id":6,"cmd":"status"}"""));
    }

    [Fact]
    public async Task Events_reach_subscribers_only()
    {
        await using var subscriber = await TestSocketClient.ConnectAsync(SocketPath);
        await using var bystander = await TestSocketClient.ConnectAsync(SocketPath);
        Assert.Equal("""{"id":1,"ok":true,"result":{"subscribed":true}}""", await subscriber.RequestAsync("""{"id":1,"cmd":"events"}"""));
        Assert.StartsWith("""{"id":1,"ok":true""", await bystander.RequestAsync("""{"id":1,"cmd":"id"}"""));

        _server.Publish(ControlEvent.StateChanged(ControlStates.Idle, "dial", ControlStates.Connecting));
        _server.Publish(ControlEvent.CallEnded(CallEndReasons.Busy, "peer is in another call"));

        Assert.Equal("""{"event":"state","data":{"was":"idle","on":"dial","now":"connecting"}}""", await subscriber.ReadLineAsync());
        Assert.Equal("""{"event":"call_ended","data":{"reason":"busy","message":"peer is in another call"}}""", await subscriber.ReadLineAsync());
        // The bystander's next line is the reply to its next request: no event was queued for it.
        Assert.StartsWith("""{"id":2,"ok":true""", await bystander.RequestAsync("""{"id":2,"cmd":"id"}"""));
        // A subscriber still gets replies, interleaved with events.
        Assert.StartsWith("""{"id":2,"ok":true""", await subscriber.RequestAsync("""{"id":2,"cmd":"id"}"""));
    }

    [Fact]
    public async Task A_slow_subscriber_does_not_block_publish_and_is_dropped()
    {
        await using var slow = await TestSocketClient.ConnectAsync(SocketPath);
        await using var other = await TestSocketClient.ConnectAsync(SocketPath);
        await slow.RequestAsync("""{"id":1,"cmd":"events"}""");
        await other.RequestAsync("""{"id":1,"cmd":"id"}""");

        // Far more than the socket buffer plus the queue can hold while nobody reads.
        const int Published = 3000;
        var big = ControlEvent.Ring(new RingEventData(FakeControlHandler.OwnId, "127.0.0.1:5004", new string('n', 8000)));
        await Task.Run(() =>
        {
            for (int i = 0; i < Published; i++)
            {
                _server.Publish(big);
            }
        }).WaitAsync(Timeout);

        int received = await slow.CountLinesUntilClosedAsync().WaitAsync(Timeout);
        Assert.InRange(received, 0, Published - 1);
        Assert.Contains(LogLines(), l => l.Contains("event queue full"));
        // Everyone else is still served.
        Assert.StartsWith("""{"id":2,"ok":true""", await other.RequestAsync("""{"id":2,"cmd":"id"}"""));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Socket_file_has_mode_0660()
    {
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public async Task A_second_server_on_a_live_socket_is_refused_and_the_first_keeps_working()
    {
        var second = new ControlServer(SocketPath, _handler);
        var e = Assert.Throws<IOException>(second.Start);
        Assert.Contains("another daemon", e.Message);
        Assert.Contains(SocketPath, e.Message);
        // The refused server must not delete the live daemon's socket file on its way out.
        await second.DisposeAsync();
        Assert.True(File.Exists(SocketPath));

        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        Assert.StartsWith("""{"id":1,"ok":true""", await client.RequestAsync("""{"id":1,"cmd":"id"}"""));
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced()
    {
        string path = Path.Combine(_directory.FullName, "stale.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET unlinks the file it bound when the socket is disposed; a daemon that is killed
            // does not. Renaming the file away from the bound name leaves it behind the same way.
            string bound = Path.Combine(_directory.FullName, "bound.sock");
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            dead.Listen();
            File.Move(bound, path);
        }

        Assert.True(File.Exists(path), "the dead daemon's socket file is left behind");
        await using var server = new ControlServer(path, _handler, Log);
        server.Start();
        Assert.Contains(LogLines(), l => l.Contains("stale"));
        await using var client = await TestSocketClient.ConnectAsync(path);
        Assert.StartsWith("""{"id":1,"ok":true""", await client.RequestAsync("""{"id":1,"cmd":"id"}"""));
    }

    [Fact]
    public async Task Dispose_closes_connections_and_deletes_the_file()
    {
        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        await client.RequestAsync("""{"id":1,"cmd":"id"}""");
        Assert.Equal(1, _server.ConnectionCount);

        await _server.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.False(File.Exists(SocketPath));
        Assert.Equal(0, _server.ConnectionCount);
        Assert.Equal(0, await client.CountLinesUntilClosedAsync());
    }

    [Fact]
    public async Task Dispose_ends_a_request_the_handler_still_holds()
    {
        await using var client = await TestSocketClient.ConnectAsync(SocketPath);
        await client.SendLineAsync("""{"id":1,"cmd":"hold"}""");
        await _handler.HoldStarted.WaitAsync(Timeout);

        await _server.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.False(File.Exists(SocketPath));
        Assert.Equal(0, await client.CountLinesUntilClosedAsync());
    }

    [Fact]
    public async Task Connections_beyond_the_cap_are_refused_with_busy()
    {
        var clients = new List<TestSocketClient>();
        try
        {
            for (int i = 0; i < ControlServer.MaxConnections; i++)
            {
                var client = await TestSocketClient.ConnectAsync(SocketPath);
                clients.Add(client);
                // A reply proves the server registered the connection.
                await client.RequestAsync("""{"id":1,"cmd":"id"}""");
            }

            Assert.Equal(ControlServer.MaxConnections, _server.ConnectionCount);
            await using var extra = await TestSocketClient.ConnectAsync(SocketPath);
            Assert.Equal("""{"id":0,"ok":false,"error":{"code":"busy","message":"too many control connections (32)"}}""",
                await extra.ReadLineAsync());
            Assert.Null(await extra.ReadLineAsync());
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Start_needs_an_existing_directory()
    {
        await using var server = new ControlServer(Path.Combine(_directory.FullName, "missing", "control.sock"), _handler);
        var e = Assert.Throws<DirectoryNotFoundException>(server.Start);
        Assert.Contains("missing", e.Message);
    }

    private List<string> LogLines()
    {
        lock (_log)
        {
            return [.. _log];
        }
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }
}
