using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7, "join a room by room name through the DHT": <see cref="RoomController"/> given no server
/// asks its DHT lookup for the room's info-hash and tries what it names, in order, with the pins of
/// RoomController.ByName.cs. The lookup here is a hand-written stand-in answering with chosen endpoints.
/// </summary>
public sealed class RoomJoinByNameTests : IAsyncDisposable
{
    private readonly RoomTestHarness _harness = new();
    private readonly TempDirectory _state = new("picotalk-roombyname");
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly ConcurrentQueue<NodeId> _asked = new();
    private IReadOnlyList<PeerEndpoint> _announced = [];
    private readonly RoomController _controller;

    public RoomJoinByNameTests()
    {
        _loop.Start();
        _controller = new RoomController(_loop, _state.Path, AudioDeviceSpec.Parse("sim"), AudioDeviceSpec.Parse("null"), 20, _ => { }, _ => { },
            (infoHash, done) =>
            {
                _asked.Enqueue(infoHash);
                done(_announced);
            });
    }

    private PeerEndpoint Server => PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, _harness.Server.TcpPort));

    private string ServerName => $"127.0.0.1:{_harness.Server.TcpPort}";

    [Fact]
    public async Task ByName_AsksForTheRoomsInfoHash_SkipsADeadServer_JoinsTheNext_AndSaysFirstUse()
    {
        var alice = await JoinMemberAsync();
        var dead = PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, DeadPort()));
        _announced = [dead, Server];

        var result = await JoinByNameAsync();
        Assert.Null(result.ErrorCode);
        // SHA-1("picotalk-room:" + SHA-512("lobby")[..64 hex]), computed with Python's hashlib.
        Assert.Equal("50aa5a0cda2de2511c5b03ebe2660b5054f50cf0", Assert.Single(_asked).ToString());
        var status = result.Status!;
        Assert.Equal((RoomStates.Joined, ServerName, "dht", RoomKeyPins.FirstUse), (status.State, status.Server, status.FoundBy, status.ServerKeyPin));
        string pins = File.ReadAllText(_state.File(RoomServerPins.FileName));
        string key = Convert.ToHexStringLower(alice.ServerIdentityKey);
        Assert.Contains($"\"room:{RoomId.FromName("lobby")}\": \"{key}\"", pins, StringComparison.Ordinal);
        Assert.Contains($"\"{ServerName}\": \"{key}\"", pins, StringComparison.Ordinal);

        await _loop.InvokeAsync(_controller.Leave);
        var again = await JoinByNameAsync();
        Assert.Equal(RoomKeyPins.Verified, again.Status!.ServerKeyPin);
    }

    [Fact]
    public async Task ByName_AServerWithAnotherKeyThanTheRoomsPin_IsRefused_NamingBothKeys()
    {
        var alice = await JoinMemberAsync();
        _announced = [Server];
        byte[] other = Convert.FromHexString(new string('b', 64));
        new RoomServerPins(_state.Path, _ => { }).Pin(RoomController.RoomPinKey("lobby"), other);

        var refused = await JoinByNameAsync();
        Assert.Equal(RoomsNames.KeyChanged, refused.ErrorCode);
        Assert.Contains(RoomServerIdentity.Fingerprint(other), refused.Message!, StringComparison.Ordinal);
        Assert.Contains(RoomServerIdentity.Fingerprint(alice.ServerIdentityKey), refused.Message!, StringComparison.Ordinal);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));

        var accepted = await JoinByNameAsync(acceptNewKey: true);
        Assert.Equal(RoomKeyPins.Repinned, accepted.Status!.ServerKeyPin);
    }

    [Fact]
    public async Task ByName_NothingAnnounced_IsNotFound_WithTheClearError()
    {
        _announced = [];
        var result = await JoinByNameAsync();
        Assert.Equal(ControlErrorCodes.NotFound, result.ErrorCode);
        Assert.Equal("room: no server announces 'lobby' on the DHT", result.Message);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));
    }

    [Fact]
    public async Task ByName_ALookupThatNeverEnds_FailsAtTheBound()
    {
        var time = new FakeTimeProvider(3);
        using var loop = new EventLoop(time, e => throw e);
        loop.Start();
        var controller = new RoomController(loop, _state.Path, AudioDeviceSpec.Parse("sim"), AudioDeviceSpec.Parse("null"), 20, _ => { }, _ => { },
            (_, _) => { });
        var request = new RoomJoinRequest("", 0, RoomTransport.Tcp, "lobby", "right", "pico", false, false);
        var pending = await loop.InvokeAsync(() => controller.JoinAsync(request));

        time.Advance(RoomController.FindTimeout - TimeSpan.FromMilliseconds(1));
        Assert.True(await loop.InvokeAsync(() => controller.InRoom)); // still looking
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await pending.WaitAsync(RoomTestHarness.Deadline);
        Assert.Equal(ControlErrorCodes.NotFound, result.ErrorCode);
        Assert.StartsWith("room: no server announces 'lobby' on the DHT", result.Message, StringComparison.Ordinal);
        Assert.False(await loop.InvokeAsync(() => controller.InRoom));
    }

    [Fact]
    public async Task ByName_WithoutADht_IsRefusedAtOnce()
    {
        var controller = new RoomController(_loop, _state.Path, AudioDeviceSpec.Parse("sim"), AudioDeviceSpec.Parse("null"), 20, _ => { }, _ => { });
        var request = new RoomJoinRequest("", 0, RoomTransport.Tcp, "lobby", "right", "pico", false, false);
        var result = await await _loop.InvokeAsync(() => controller.JoinAsync(request));
        Assert.Equal(ControlErrorCodes.InvalidState, result.ErrorCode);
        Assert.Contains("no DHT", result.Message!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "udp", true)]
    [InlineData("", "tcp", true)]
    [InlineData(null, "ws", false)]
    [InlineData("h:1", "ws", true)]
    public void Parse_WithoutServer_IsAJoinByName_ExceptOverWebSocket(string? server, string transport, bool accepted)
    {
        var request = RoomsCommand.Parse(new RoomsArgs(RoomOps.Join, server, transport, "lobby", "pw"));
        Assert.Equal(accepted, request is not null);
        Assert.Equal(accepted && string.IsNullOrEmpty(server), request?.ByName ?? false);
    }

    private static int DeadPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task<RoomClientSession> JoinMemberAsync()
    {
        var member = await _harness.JoinAsync(_harness.Options(RoomTransport.Tcp, "lobby", "right", "alice"));
        Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
        return member;
    }

    private async Task<RoomCommandResult> JoinByNameAsync(bool acceptNewKey = false)
    {
        var request = new RoomJoinRequest("", 0, RoomTransport.Tcp, "lobby", "right", "pico", acceptNewKey, false);
        var pending = await _loop.InvokeAsync(() => _controller.JoinAsync(request));
        return await pending.WaitAsync(RoomTestHarness.Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        if (await _loop.InvokeAsync(() => _controller.InRoom))
        {
            await _loop.InvokeAsync(_controller.Leave);
        }

        await _harness.DisposeAsync();
        _loop.Dispose();
        _state.Dispose();
    }
}
