using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests;

/// <summary><c>picotalk</c> in-process against the real control server with a fake daemon behind it.</summary>
public sealed class PicotalkCommandLineTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeDaemon _daemon = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public Task InitializeAsync()
    {
        _daemon.Replies[ControlCommands.Id] = r => ControlReply.Success(r.Id, new IdResult(FakeDaemon.OwnId), ControlJsonContext.Default.IdResult);
        _daemon.Replies[ControlCommands.Status] = r => ControlReply.Success(r.Id,
            new StatusResult(ControlStates.InCall, FakeDaemon.OwnId, 5004, "0.1.0", FakeDaemon.Call(),
                new Dictionary<string, long> { ["Malformed"] = 1, ["UnknownType"] = 0 }),
            ControlJsonContext.Default.StatusResult);
        _daemon.Replies[ControlCommands.Dial] = r => ControlReply.Success(r.Id,
            FakeDaemon.Call() with { PeerId = null, Name = null }, ControlJsonContext.Default.CallSummary);
        _daemon.Replies[ControlCommands.Answer] = r =>
            ControlReply.Failure(r.Id, ControlErrorCodes.InvalidState, "nothing is ringing");
        _daemon.Replies[ControlCommands.Hangup] = r =>
            ControlReply.Success(r.Id, new StateResult(ControlStates.Ending), ControlJsonContext.Default.StateResult);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public async Task Status_prints_key_value_lines()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "status"));
        Assert.Equal(
            $"""
            state: in_call
            id: {FakeDaemon.OwnId}
            udp port: 5004
            version: 0.1.0
            peer: {FakeDaemon.PeerId} at 127.0.0.1:40000
            name: Front door
            direction: outgoing
            since: 2026-03-01T12:00:00Z
            media: 100 frames sent, 98 received, 2 concealed, 1 rebuilt from FEC, 3 late
            link: sending 24.5 kbit/s, jitter buffer 40 ms, loss 2.5 %, round trip 31 ms
            drops: Malformed 1, UnknownType 0

            """.ReplaceLineEndings("\n"),
            Stdout());
        Assert.Equal("", _stderr.ToString());
        Assert.Equal(new ControlRequest(1, ControlCommands.Status), Assert.Single(_daemon.Requests));
    }

    [Fact]
    public async Task Devices_lists_what_is_in_use_then_each_device_with_its_directions()
    {
        _daemon.Replies[ControlCommands.Devices] = r => ControlReply.Success(r.Id,
            new DevicesResult("alsa:plughw:CARD=Device,DEV=0", "sim",
            [
                new AudioDeviceEntry("alsa:plughw:CARD=Device,DEV=0", "USB Audio Device\nHardware device with all software conversions", true, true),
                new AudioDeviceEntry("alsa:front:CARD=Device", "USB front speakers", false, true),
                new AudioDeviceEntry("silence", "a microphone that hears nothing", true, false),
            ]),
            ControlJsonContext.Default.DevicesResult);

        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "devices"));
        Assert.Equal(
            """
            input: alsa:plughw:CARD=Device,DEV=0
            output: sim
            alsa:plughw:CARD=Device,DEV=0  in/out  USB Audio Device Hardware device with all software conversions
            alsa:front:CARD=Device            out  USB front speakers
            silence                        in      a microphone that hears nothing

            """.ReplaceLineEndings("\n"),
            Stdout());
        Assert.Equal(new ControlRequest(1, ControlCommands.Devices), Assert.Single(_daemon.Requests));
    }

    [Fact]
    public async Task Status_when_idle_says_no_call()
    {
        _daemon.Replies[ControlCommands.Status] = r => ControlReply.Success(r.Id,
            new StatusResult(ControlStates.Idle, FakeDaemon.OwnId, 5004, "0.1.0", null, new Dictionary<string, long>()),
            ControlJsonContext.Default.StatusResult);
        Assert.Equal(ExitCodes.Ok, await RunAsync("status", "--control", _daemon.SocketPath));
        Assert.Contains("state: idle\n", Stdout());
        Assert.Contains("call: none\n", Stdout());
        Assert.Contains("drops: none\n", Stdout());
    }

    [Theory]
    [InlineData(NatKinds.EndpointIndependent, 8, "nat: endpoint-independent mapping (a cone NAT: calls reach this appliance by hole punching); announced to 8 node(s)\n")]
    [InlineData(NatKinds.None, null, "nat: none (a public address)\n")]
    [InlineData("something_new", 3, "nat: something_new; announced to 3 node(s)\n")]
    public async Task Status_prints_the_dht_and_what_is_known_of_the_nat(string nat, int? announcedTo, string natLine)
    {
        var dht = new DhtSummary(42, 40, 7, 1, "203.0.113.9:5004", nat, announcedTo);
        _daemon.Replies[ControlCommands.Status] = r => ControlReply.Success(r.Id,
            new StatusResult(ControlStates.Idle, FakeDaemon.OwnId, 5004, "0.1.0", null, new Dictionary<string, long>(), dht),
            ControlJsonContext.Default.StatusResult);
        Assert.Equal(ExitCodes.Ok, await RunAsync("status", "--control", _daemon.SocketPath));
        Assert.Contains("dht: 42 nodes (40 good) in 7 buckets, 1 found on the LAN, seen from outside as 203.0.113.9:5004\n" + natLine, Stdout());
    }

    [Fact]
    public async Task Status_without_a_nat_reading_prints_no_nat_line()
    {
        var dht = new DhtSummary(3, 3, 1, 0, null);
        _daemon.Replies[ControlCommands.Status] = r => ControlReply.Success(r.Id,
            new StatusResult(ControlStates.Idle, FakeDaemon.OwnId, 5004, "0.1.0", null, new Dictionary<string, long>(), dht),
            ControlJsonContext.Default.StatusResult);
        Assert.Equal(ExitCodes.Ok, await RunAsync("status", "--control", _daemon.SocketPath));
        Assert.Contains("dht: 3 nodes (3 good) in 1 buckets, 0 found on the LAN\n", Stdout());
        Assert.DoesNotContain("nat:", Stdout());
    }

    [Fact]
    public async Task Status_json_prints_the_raw_result_object()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "status", "--json"));
        Assert.Equal(
            $$$"""{"state":"in_call","id":"{{{FakeDaemon.OwnId}}}","udp_port":5004,"version":"0.1.0","call":{"peer_id":"{{{FakeDaemon.PeerId}}}","remote":"127.0.0.1:40000","direction":"outgoing","name":"Front door","since":"2026-03-01T12:00:00.250Z","media":{"frames_sent":100,"frames_received":98,"concealed":2,"fec_recovered":1,"late":3,"bitrate_bps":24500,"jitter_buffer_ms":40,"loss_percent":2.5,"round_trip_ms":31,"input_level_db":null}},"drops":{"Malformed":1,"UnknownType":0},"dht":null,"uptime_seconds":0}""" + "\n",
            Stdout());
    }

    [Fact]
    public async Task Id_prints_the_bare_id_or_json()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "id"));
        Assert.Equal(FakeDaemon.OwnId + "\n", Stdout());
        _stdout.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Ok, await RunAsync($"--control={_daemon.SocketPath}", "--json", "id"));
        Assert.Equal($$$"""{"id":"{{{FakeDaemon.OwnId}}}"}""" + "\n", Stdout());
    }

    [Theory]
    [InlineData("127.0.0.1:5004")]
    [InlineData(FakeDaemon.PeerId)]
    [InlineData("[::1]:5004/" + FakeDaemon.PeerId)]
    public async Task Dial_sends_to_and_prints_the_call(string to)
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "dial", to));
        var request = Assert.Single(_daemon.Requests);
        Assert.Equal(ControlCommands.Dial, request.Cmd);
        Assert.True(request.TryReadArgs(ControlJsonContext.Default.DialArgs, out var args, out _));
        Assert.Equal(to, args!.To);
        Assert.Equal(
            """
            peer: (not known yet) at 127.0.0.1:40000
            direction: outgoing
            since: 2026-03-01T12:00:00Z
            media: 100 frames sent, 98 received, 2 concealed, 1 rebuilt from FEC, 3 late
            link: sending 24.5 kbit/s, jitter buffer 40 ms, loss 2.5 %, round trip 31 ms

            """.ReplaceLineEndings("\n"),
            Stdout());
    }

    [Fact]
    public async Task Hangup_prints_the_state()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "hangup"));
        Assert.Equal("state: ending\n", Stdout());
        _stdout.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Ok, await RunAsync("--control", _daemon.SocketPath, "hangup", "--json"));
        Assert.Equal("""{"state":"ending"}""" + "\n", Stdout());
    }

    [Fact]
    public async Task A_refusal_exits_1_with_code_and_message_on_stderr()
    {
        Assert.Equal(ExitCodes.DaemonRefused, await RunAsync("--control", _daemon.SocketPath, "answer"));
        Assert.Equal("error: invalid_state: nothing is ringing\n", _stderr.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("", Stdout());
        Assert.Equal(ControlCommands.Answer, Assert.Single(_daemon.Requests).Cmd);
    }

    [Fact]
    public async Task A_refusal_exits_1_with_json_too()
    {
        Assert.Equal(ExitCodes.DaemonRefused, await RunAsync("--control", _daemon.SocketPath, "answer", "--json"));
        Assert.Contains("error: invalid_state: nothing is ringing", _stderr.ToString());
    }

    [Fact]
    public async Task No_daemon_exits_2_and_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"picotalk-none-{Guid.NewGuid():N}.sock");
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await RunAsync("--control", path, "status"));
        Assert.Contains($"cannot connect to picotalkd at {path}: no such socket", _stderr.ToString());
        Assert.Equal("", Stdout());
    }

    [Fact]
    public async Task The_socket_path_comes_from_the_environment_without_control()
    {
        var environment = new Dictionary<string, string?> { [ControlSocketPath.ControlVariable] = _daemon.SocketPath };
        var cli = new PicotalkCommandLine(_stdout, _stderr, name => environment.GetValueOrDefault(name));
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync(["id"]).WaitAsync(Timeout));
        Assert.Equal(FakeDaemon.OwnId + "\n", Stdout());
    }

    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "ui" }, "unknown command 'ui'")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "dial" }, "'dial' takes 1 argument(s), got 0")]
    [InlineData(new[] { "dial", "a", "b" }, "'dial' takes 1 argument(s), got 2")]
    [InlineData(new[] { "status", "extra" }, "'status' takes no arguments")]
    [InlineData(new[] { "--verbose", "status" }, "unknown option '--verbose'")]
    [InlineData(new[] { "status", "--control" }, "--control needs a socket path")]
    public async Task Bad_usage_exits_2_without_contacting_the_daemon(string[] args, string message)
    {
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await RunAsync(["--control", _daemon.SocketPath, .. args]));
        Assert.Contains($"picotalk: {message}", _stderr.ToString());
        Assert.Empty(_daemon.Requests);
    }

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("--help"));
        Assert.StartsWith("usage: picotalk [--control PATH] <command> [args] [--json]", Stdout());
        Assert.Contains("dial <ID|HOST:PORT>", Stdout());
    }

    private Task<int> RunAsync(params string[] args) =>
        new PicotalkCommandLine(_stdout, _stderr, _ => null).RunAsync(args).WaitAsync(Timeout);

    private string Stdout() => _stdout.ToString().ReplaceLineEndings("\n");
}
