using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests;

/// <summary><c>picotalk config|reject|mute|history|log|tone</c> (issue 6) against the fake daemon.</summary>
public sealed class WebCommandLineTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeDaemon _daemon = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    private static readonly DeviceSummary Device = new("ready", null, "sim", "on", "off", "none", false, false, Muted: true);

    public Task InitializeAsync()
    {
        var config = JsonDocument.Parse("""{"name":"Gate","audio":{"mic_gain_db":-20.5,"input":"sim"},"dht":{"bootstrap":["a:1"]}}""").RootElement.Clone();
        _daemon.Replies[WebCommands.Config] = r => ControlReply.Success(r.Id, new ConfigResult(config, ["udp_port", "audio.frame_ms"]), ControlJsonContext.Default.ConfigResult);
        _daemon.Replies[WebCommands.Reject] = r => ControlReply.Success(r.Id, new StateResult(ControlStates.Ending), ControlJsonContext.Default.StateResult);
        _daemon.Replies[WebCommands.Mute] = r => ControlReply.Success(r.Id, Device, ControlJsonContext.Default.DeviceSummary);
        _daemon.Replies[WebCommands.Tone] = r => ControlReply.Success(r.Id, Device with { Tone = "test", Muted = false }, ControlJsonContext.Default.DeviceSummary);
        var started = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        _daemon.Replies[WebCommands.History] = r => ControlReply.Success(r.Id, new HistoryResult(
        [
            new HistoryEntry(FakeDaemon.PeerId, "Porch", CallDirections.Incoming, started, 42, CallEndReasons.Hangup, "hung up by the peer"),
            new HistoryEntry(null, null, CallDirections.Outgoing, started.AddMinutes(-5), 0, CallEndReasons.Unreachable, "no path"),
        ]), ControlJsonContext.Default.HistoryResult);
        _daemon.Replies[WebCommands.Log] = r => ControlReply.Success(r.Id, new LogResult(
        [
            new LogLine(started.AddMilliseconds(250), LogLevels.Info, "ready id=x"),
            new LogLine(started.AddSeconds(1), LogLevels.Warn, "dht: no nodes"),
        ]), ControlJsonContext.Default.LogResult);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    private Task<int> RunAsync(params string[] args) =>
        new PicotalkCommandLine(_stdout, _stderr, _ => null).RunAsync(["--control", _daemon.SocketPath, .. args]).WaitAsync(Timeout);

    private string Stdout() => _stdout.ToString().ReplaceLineEndings("\n");

    private (string Cmd, string? Args) Sent()
    {
        var request = Assert.Single(_daemon.Requests);
        return (request.Cmd, request.Args?.GetRawText());
    }

    [Fact]
    public async Task Config_set_builds_one_merge_patch_from_dotted_keys_with_json_or_bare_values()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("config", "set", "audio.mic_gain_db", "-20", "name", "Front gate",
            "calls.do_not_disturb", "true", "dht.bootstrap", """["a:1","b:2"]""", "calls.speed_dial", "null", "audio.speaker_gain_db", "-7.5"));
        Assert.Equal((WebCommands.Config,
            """{"op":"set","patch":{"audio":{"mic_gain_db":-20,"speaker_gain_db":-7.5},"name":"Front gate","calls":{"do_not_disturb":true,"speed_dial":null},"dht":{"bootstrap":["a:1","b:2"]}}}"""),
            Sent());
    }

    [Fact]
    public async Task Config_prints_every_setting_as_a_dotted_key_then_what_waits_for_a_restart()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("config"));
        Assert.Equal("""
            name: "Gate"
            audio.mic_gain_db: -20.5
            audio.input: "sim"
            dht.bootstrap: ["a:1"]
            restart required for: udp_port, audio.frame_ms

            """.ReplaceLineEndings("\n"), Stdout());
        Assert.Equal((WebCommands.Config, """{"op":"get"}"""), Sent());
    }

    [Theory]
    [InlineData("audio.mic_gain_db", "-20.5\n", ExitCodes.Ok)]
    [InlineData("name", "Gate\n", ExitCodes.Ok)]
    [InlineData("dht.bootstrap", "[\"a:1\"]\n", ExitCodes.Ok)]
    [InlineData("audio.volume", "", ExitCodes.DaemonRefused)]
    public async Task Config_get_key_prints_that_value_alone(string key, string printed, int exit)
    {
        Assert.Equal(exit, await RunAsync("config", "get", key));
        Assert.Equal(printed, Stdout());
    }

    [Fact]
    public async Task A_refused_config_prints_each_key_and_reason_and_exits_1()
    {
        _daemon.Replies[WebCommands.Config] = r => ControlReply.Failure(r.Id, ControlErrorCodes.InvalidArgument,
            "opus.bitrate: must be 6000 to 510000 bit/s\ncalls.ring_timeout_seconds: must be 5 to 600");
        Assert.Equal(ExitCodes.DaemonRefused, await RunAsync("config", "set", "opus.bitrate", "1", "calls.ring_timeout_seconds", "1"));
        Assert.Equal("error: invalid_argument: opus.bitrate: must be 6000 to 510000 bit/s\ncalls.ring_timeout_seconds: must be 5 to 600\n",
            _stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(new[] { "reject" }, WebCommands.Reject, null, "state: ending\n")]
    [InlineData(new[] { "mute" }, WebCommands.Mute, """{"muted":true}""", "microphone muted")]
    [InlineData(new[] { "mute", "off" }, WebCommands.Mute, """{"muted":false}""", "microphone muted")]
    [InlineData(new[] { "tone" }, WebCommands.Tone, null, "tone: test")]
    [InlineData(new[] { "tone", "5" }, WebCommands.Tone, """{"seconds":5}""", "tone: test")]
    [InlineData(new[] { "log", "--json" }, WebCommands.Log, null, "\"level\":\"warn\"")]
    [InlineData(new[] { "log", "20" }, WebCommands.Log, """{"lines":20}""", "2026-03-01T12:00:00.250Z info  ready id=x\n2026-03-01T12:00:01.000Z warn  dht: no nodes\n")]
    [InlineData(new[] { "history" }, WebCommands.History, null,
        $"2026-03-01T12:00:00Z  incoming  Porch ({FakeDaemon.PeerId})  42 s  hangup: hung up by the peer\n2026-03-01T11:55:00Z  outgoing  (unknown)  0 s  unreachable: no path\n")]
    public async Task Each_command_sends_its_args_and_prints_its_result(string[] args, string cmd, string? sent, string printed)
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync(args));
        Assert.Equal((cmd, sent), Sent());
        Assert.Contains(printed, Stdout());
    }

    [Theory]
    [InlineData(new[] { "config", "set", "name" }, "'config' takes no arguments, 'get [KEY]' or 'set KEY VALUE [KEY VALUE ...]'")]
    [InlineData(new[] { "config", "set", "name", "A", "udp_port" }, "'config' takes no arguments")]
    [InlineData(new[] { "config", "put", "name", "A" }, "'config' takes no arguments")]
    [InlineData(new[] { "config", "set", "audio..frame_ms", "10" }, "config set: 'audio..frame_ms' is not a dotted config key")]
    [InlineData(new[] { "mute", "maybe" }, "mute: 'maybe' is neither 'on' nor 'off'")]
    [InlineData(new[] { "log", "0" }, "log: '0' is not a number of lines (1 to 200)")]
    [InlineData(new[] { "log", "-5" }, "log: '-5' is not a number of lines")]
    [InlineData(new[] { "tone", "11" }, "tone: '11' is not a number of seconds (1 to 10)")]
    [InlineData(new[] { "reject", "now" }, "'reject' takes no arguments")]
    [InlineData(new[] { "history", "5" }, "'history' takes no arguments")]
    [InlineData(new[] { "config", "set", "name", "-x" }, "unknown option '-x'")]
    public async Task Bad_usage_exits_2_without_asking_the_daemon(string[] args, string message)
    {
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await RunAsync(args));
        Assert.Contains(message, _stderr.ToString());
        Assert.Empty(_daemon.Requests);
    }

    [Fact]
    public void A_negative_number_is_an_operand_and_a_dash_word_still_an_option()
    {
        Assert.True(CommandLineArguments.TryParse(["config", "set", "audio.mic_gain_db", "-20", "--json"], out var parsed, out _));
        Assert.Equal(["set", "audio.mic_gain_db", "-20"], parsed!.Operands);
        Assert.True(parsed.Json);
        Assert.False(CommandLineArguments.TryParse(["config", "-json"], out _, out string error));
        Assert.Equal("unknown option '-json'", error);
    }
}
