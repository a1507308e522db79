using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests;

/// <summary><c>picotalk rooms join|leave|say|members|talk</c> against the fake daemon (issue 7).</summary>
public sealed class RoomsCommandLineTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly RoomStatus Joined = new(RoomStates.Joined, "lobby", "room.example:7000", new string('a', 16),
        [new RoomMemberEntry(2, "alice", true), new RoomMemberEntry(3, null, false)], Talking: false);

    private readonly FakeDaemon _daemon = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public Task InitializeAsync()
    {
        _daemon.Replies[RoomsNames.Command] = r => ControlReply.Success(r.Id, Joined, ControlJsonContext.Default.RoomStatus);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    private Task<int> RunAsync(params string[] args) =>
        new PicotalkCommandLine(_stdout, _stderr, _ => null).RunAsync(["--control", _daemon.SocketPath, .. args]).WaitAsync(Timeout);

    [Theory]
    [InlineData(new[] { "rooms" }, """{"op":"members"}""")]
    [InlineData(new[] { "rooms", "members" }, """{"op":"members"}""")]
    [InlineData(new[] { "rooms", "join", "room.example:7000", "lobby", "secret" }, """{"op":"join","server":"room.example:7000","room":"lobby","password":"secret"}""")]
    [InlineData(new[] { "rooms", "join", "h:1", "lobby", "secret", "Gate", "tcp", "accept-new-key" }, """{"op":"join","server":"h:1","transport":"tcp","room":"lobby","password":"secret","name":"Gate","accept_new_key":true}""")]
    [InlineData(new[] { "rooms", "leave" }, """{"op":"leave"}""")]
    [InlineData(new[] { "rooms", "say", "hello", "there" }, """{"op":"say","text":"hello there"}""")]
    [InlineData(new[] { "rooms", "talk", "on" }, """{"op":"talk","on":true}""")]
    [InlineData(new[] { "rooms", "talk", "off" }, """{"op":"talk","on":false}""")]
    public async Task Each_op_sends_its_args(string[] args, string sent)
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync(args));
        Assert.Equal(sent, Assert.Single(_daemon.Requests).Args!.Value.GetRawText());
    }

    [Fact]
    public async Task The_status_prints_the_room_and_one_line_per_member()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rooms"));
        Assert.Equal(
            $"""
            room: joined lobby on room.example:7000 (server key {new string('a', 16)})
            talking: no
            member 2: alice
            member 3: (no name yet) (not verified)

            """.ReplaceLineEndings("\n"),
            _stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("join", "h:1", "lobby")]
    [InlineData("talk", "maybe")]
    [InlineData("say")]
    [InlineData("dance")]
    public async Task Bad_usage_exits_2_without_asking_the_daemon(params string[] operands)
    {
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await RunAsync(["rooms", .. operands]));
        Assert.Contains("'rooms' takes", _stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(_daemon.Requests);
    }

    [Fact]
    public void Room_events_print_as_lines()
    {
        var output = new StringWriter();
        HumanOutput.WriteEvent(output, ControlEvent.Create(RoomsNames.ChatEvent, new RoomChatEventData(2, "alice", "hi"), ControlJsonContext.Default.RoomChatEventData));
        HumanOutput.WriteEvent(output, ControlEvent.Create(RoomsNames.RoomEvent, Joined, ControlJsonContext.Default.RoomStatus));
        Assert.Equal("room chat: alice: hi\nroom: joined lobby on room.example:7000\n", output.ToString().ReplaceLineEndings("\n"));
    }
}
