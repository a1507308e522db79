using System.Collections.Concurrent;
using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7, appliance side: "join a room by server address, password and user name; ... chat
/// through the control socket; the server's key pinned on first use". A <see cref="RoomController"/>
/// on a real event loop against an in-process room server and a plain member session.
/// </summary>
public sealed class RoomControllerTests : IAsyncDisposable
{
    private readonly RoomTestHarness _harness = new();
    private readonly TempDirectory _state = new("picotalk-roomclient");
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly ConcurrentQueue<ControlEvent> _events = new();
    private readonly RoomController _controller;

    public RoomControllerTests()
    {
        _loop.Start();
        _controller = new RoomController(_loop, _state.Path, AudioDeviceSpec.Parse("sim"), AudioDeviceSpec.Parse("null"), 20, _events.Enqueue, _ => { });
    }

    [Theory]
    [InlineData(RoomTransport.Udp)]
    [InlineData(RoomTransport.Tcp)]
    public async Task Join_SeesMembers_ChatArrivesAsEvent_SayArrivesAtMember(RoomTransport transport)
    {
        var alice = await JoinMemberAsync("right");
        var said = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.ChatReceived += (_, text) => said.TrySetResult(text);

        var result = await JoinAsync("right", transport: transport);
        Assert.Null(result.ErrorCode);
        Assert.Equal(RoomStates.Joined, result.Status!.State);
        Assert.Equal(RoomServerIdentity.Fingerprint(alice.ServerIdentityKey), result.Status.ServerKeyFingerprint);
        Assert.True(await _loop.InvokeAsync(() => _controller.InRoom));

        var status = await PollAsync(() => _controller.Status(), s => s.Members.Any(m => m.Name == "alice" && m.Verified));
        Assert.Equal(alice.UserId, status.Members.Single().Id);

        alice.SendChat("hello from alice");
        var chat = await PollAsync(() => _events.FirstOrDefault(e => e.Event == RoomsNames.ChatEvent), e => e is not null);
        var data = chat!.ReadData(ControlJsonContext.Default.RoomChatEventData);
        Assert.Equal(("alice", "hello from alice", (int)alice.UserId), (data.Name, data.Text, data.From));

        Assert.Null((await _loop.InvokeAsync(() => _controller.Say("hi from the appliance"))).ErrorCode);
        Assert.Equal("hi from the appliance", await said.Task.WaitAsync(RoomTestHarness.Deadline));

        var left = await _loop.InvokeAsync(_controller.Leave);
        Assert.Equal(RoomStates.Idle, left.Status!.State);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));
        Assert.Contains(_events, e => e.Event == RoomsNames.RoomEvent && e.ReadData(ControlJsonContext.Default.RoomStatus).State == RoomStates.Joined);
    }

    [Fact]
    public async Task Status_ShowsOurNameAndTheCheckedMix_AnAlteredMixIsAWarningEvent()
    {
        var alice = await JoinMemberAsync("right");
        Assert.Null((await JoinAsync("right")).ErrorCode);
        var status = await PollAsync(() => _controller.Status(), s => s.Audio is { VerifiedMixes: > 5 });
        Assert.Equal("pico", status.Name);
        Assert.True(status.Audio!.WideAudio);
        Assert.Equal((0, 0), (status.Audio.AlteredMixes, status.Audio.KeyEpoch));

        // The server adds to every mix the appliance gets: a room_warning event and the count.
        _harness.Server.MixTamper = (peerId, wide, payload) =>
        {
            if (peerId != alice.UserId)
            {
                payload[0] ^= 1;
            }
        };
        var warning = await PollAsync(() => _events.FirstOrDefault(e => e.Event == RoomsNames.WarningEvent), e => e is not null);
        _harness.Server.MixTamper = null;
        Assert.Equal("room: the server altered the mix", warning!.ReadData(ControlJsonContext.Default.RoomWarningEventData).Text);
        Assert.True((await _loop.InvokeAsync(_controller.Status)).Audio!.AlteredMixes > 0);
    }

    [Fact]
    public async Task Close_LeavesTheRoom_AndClosesTheConnection()
    {
        var alice = await JoinMemberAsync("right");
        Assert.Null((await JoinAsync("right")).ErrorCode);
        await (await _loop.InvokeAsync(_controller.CloseAsync)).WaitAsync(RoomTestHarness.Deadline);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));
        Assert.Null(await _loop.InvokeAsync(() => _controller.Audio));
        Assert.Equal(RoomStates.Idle, _events.Last(e => e.Event == RoomsNames.RoomEvent).ReadData(ControlJsonContext.Default.RoomStatus).State);
    }

    [Fact]
    public async Task WrongPassword_IsReported_AndLeavesTheRoom()
    {
        await JoinMemberAsync("right");
        var result = await JoinAsync("wrong");
        Assert.Equal(RoomsNames.WrongPassword, result.ErrorCode);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));
    }

    [Fact]
    public async Task Talking_SendsOurInputToTheRoom_AndTheRoomsMixIsQueuedForOutput()
    {
        var alice = await JoinMemberAsync("right");
        var heard = new TaskCompletionSource<IReadOnlyList<ushort>>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.AudioReceived += (_, senders) =>
        {
            if (senders.Count > 0)
            {
                heard.TrySetResult([.. senders]);
            }
        };
        var tone = RoomTestHarness.Tone(16);
        alice.AudioSource = () => tone;

        var result = await JoinAsync("right", talk: true);
        Assert.Null(result.ErrorCode);
        var senders = await heard.Task.WaitAsync(RoomTestHarness.Deadline);
        ushort us = alice.Members.Single(m => m.UserName == "pico").PeerId;
        Assert.Contains(us, senders);
        await PollAsync(() => _controller.Audio!.MixesQueued, n => n > 0);
        Assert.True(_controller.Audio!.FramesSent > 0);
    }

    [Fact]
    public async Task NotTalking_SendsNothing()
    {
        await JoinMemberAsync("right");
        Assert.Null((await JoinAsync("right", talk: false)).ErrorCode);
        await PollAsync(() => _controller.Audio!.MixesQueued, n => n > 10);
        Assert.Equal(0, _controller.Audio!.FramesSent);
    }

    [Fact]
    public async Task ServerKey_IsPinnedOnFirstUse_AnotherKeyIsRefused_AcceptNewKeyRepins()
    {
        var alice = await JoinMemberAsync("right");
        string server = $"127.0.0.1:{_harness.Server.TcpPort}";
        string key = Convert.ToHexStringLower(alice.ServerIdentityKey);

        Assert.Null((await JoinAsync("right")).ErrorCode);
        Assert.Contains($"\"{server}\": \"{key}\"", File.ReadAllText(_state.File(RoomServerPins.FileName)), StringComparison.Ordinal);
        await _loop.InvokeAsync(_controller.Leave);

        // The same address now pinned to another key (a re-installed or impostor server).
        string other = new('a', 64);
        new RoomServerPins(_state.Path, _ => { }).Pin(server, Convert.FromHexString(other));
        var refused = await JoinAsync("right");
        Assert.Equal(RoomsNames.KeyChanged, refused.ErrorCode);
        Assert.Contains(RoomServerIdentity.Fingerprint(Convert.FromHexString(other)), refused.Message!, StringComparison.Ordinal);
        Assert.Contains(RoomServerIdentity.Fingerprint(alice.ServerIdentityKey), refused.Message!, StringComparison.Ordinal);
        Assert.False(await _loop.InvokeAsync(() => _controller.InRoom));

        var accepted = await JoinAsync("right", acceptNewKey: true);
        Assert.Null(accepted.ErrorCode);
        Assert.Contains($"\"{server}\": \"{key}\"", File.ReadAllText(_state.File(RoomServerPins.FileName)), StringComparison.Ordinal);
    }

    private async Task<RoomClientSession> JoinMemberAsync(string password)
    {
        var member = await _harness.JoinAsync(_harness.Options(RoomTransport.Tcp, "lobby", password, "alice"));
        Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
        return member;
    }

    private async Task<RoomCommandResult> JoinAsync(string password, RoomTransport transport = RoomTransport.Udp, bool talk = false, bool acceptNewKey = false)
    {
        var request = new RoomJoinRequest("127.0.0.1", _harness.Server.TcpPort, transport, "lobby", password, "pico", acceptNewKey, talk);
        var pending = await _loop.InvokeAsync(() => _controller.JoinAsync(request));
        return await pending.WaitAsync(RoomTestHarness.Deadline);
    }

    /// <summary>Reads <paramref name="read"/> on the loop until <paramref name="done"/> holds, within the harness deadline.</summary>
    private async Task<T> PollAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (true)
        {
            T value = await _loop.InvokeAsync(read);
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "condition not met within the deadline");
            await Task.Delay(20);
        }
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
