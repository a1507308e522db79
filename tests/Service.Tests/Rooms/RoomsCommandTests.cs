using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>The <c>rooms</c> control command over a <see cref="RoomController"/>: args in, a <c>RoomStatus</c> or a named error out.</summary>
public sealed class RoomsCommandTests : IAsyncDisposable
{
    private readonly RoomTestHarness _harness = new();
    private readonly TempDirectory _state = new("picotalk-roomscmd");
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly RoomController _controller;

    public RoomsCommandTests()
    {
        _loop.Start();
        _controller = new RoomController(_loop, _state.Path, AudioDeviceSpec.Parse("silence"), AudioDeviceSpec.Parse("null"), 10, _ => { }, _ => { });
    }

    [Fact]
    public async Task JoinTalkSayMembersLeave_EachAnswerARoomStatus()
    {
        string server = $"127.0.0.1:{_harness.Server.TcpPort}";
        var join = await SendAsync(new RoomsArgs(RoomOps.Join, server, "tcp", "lobby", "pw", "pico"));
        Assert.True(join.Ok, join.Error?.Message);
        var status = join.ReadResult(ControlJsonContext.Default.RoomStatus);
        Assert.Equal((RoomStates.Joined, "lobby", server, false), (status.State, status.Room, status.Server, status.Talking));
        Assert.Matches("^[0-9a-f]{16}$", status.ServerKeyFingerprint);

        Assert.True((await SendAsync(new RoomsArgs(RoomOps.Talk, On: true))).ReadResult(ControlJsonContext.Default.RoomStatus).Talking);
        Assert.True((await SendAsync(new RoomsArgs(RoomOps.Say, Text: "hi"))).Ok);
        Assert.Equal(RoomStates.Joined, (await SendAsync(new RoomsArgs(RoomOps.Members))).ReadResult(ControlJsonContext.Default.RoomStatus).State);

        var again = await SendAsync(new RoomsArgs(RoomOps.Join, server, "tcp", "lobby", "pw", "pico"));
        Assert.Equal(ControlErrorCodes.InvalidState, again.Error!.Code);

        Assert.Equal(RoomStates.Idle, (await SendAsync(new RoomsArgs(RoomOps.Leave))).ReadResult(ControlJsonContext.Default.RoomStatus).State);
        Assert.Equal(ControlErrorCodes.InvalidState, (await SendAsync(new RoomsArgs(RoomOps.Say, Text: "hi"))).Error!.Code);
        Assert.Equal(ControlErrorCodes.InvalidState, (await SendAsync(new RoomsArgs(RoomOps.Talk, On: true))).Error!.Code);
    }

    [Theory]
    [InlineData("nohost", "udp", "lobby", "pw", "server:")]
    [InlineData("h:0", "udp", "lobby", "pw", "server:")]
    [InlineData("h:70000", "udp", "lobby", "pw", "server:")]
    [InlineData("h:1", "sctp", "lobby", "pw", "transport:")]
    [InlineData("h:1", null, null, "pw", "room:")]
    [InlineData("h:1", null, "lobby", null, "password:")]
    public async Task BadJoinArgs_NameTheField(string? server, string? transport, string? room, string? password, string field)
    {
        var reply = await SendAsync(new RoomsArgs(RoomOps.Join, server, transport, room, password));
        Assert.Equal(ControlErrorCodes.InvalidArgument, reply.Error!.Code);
        Assert.StartsWith(field, reply.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[::1]:5000", "::1", 5000)]
    [InlineData("room.example:443", "room.example", 443)]
    public void ServerParses(string server, string host, int port)
    {
        var request = RoomsCommand.Parse(new RoomsArgs(RoomOps.Join, server, null, "r", "p"))!;
        Assert.Equal((host, port, RoomTransport.Udp, "picotalk"), (request.Host, request.Port, request.Transport, request.UserName));
    }

    private Task<ControlReply> SendAsync(RoomsArgs args) =>
        RoomsCommand.HandleAsync(_loop, _controller, ControlRequest.Create(1, RoomsNames.Command, args, ControlJsonContext.Default.RoomsArgs))
            .WaitAsync(RoomTestHarness.Deadline);

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        _loop.Dispose();
        _state.Dispose();
    }
}
