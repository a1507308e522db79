using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Daemon;

/// <summary>Issue 6's control commands against a whole daemon: reject, mute, history, log, tone,
/// status's uptime and microphone level, and every refusal.</summary>
public sealed class WebCommandsTests
{
    private static string? Str(JsonElement e, string name) => e.GetProperty(name).GetString();

    [Fact]
    public async Task Uptime_counts_from_the_start_and_the_test_tone_stops_after_its_seconds()
    {
        var time = new FakeTimeProvider();
        await using var d = InProcessDaemon.Start(time);
        Assert.Equal(0, (await d.OkAsync(ControlCommands.Status)).GetProperty("uptime_seconds").GetInt32());
        time.Advance(TimeSpan.FromSeconds(42.5));
        Assert.Equal(42, (await d.OkAsync(ControlCommands.Status)).GetProperty("uptime_seconds").GetInt32());

        var device = await d.OkAsync(WebCommands.Tone, """{"seconds":3}""");
        Assert.Equal("test", Str(device, "tone"));
        time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Equal("test", Str((await d.OkAsync(ControlCommands.Status)).GetProperty("device"), "tone"));
        time.Advance(TimeSpan.FromSeconds(0.2));
        await d.WaitForStatusAsync(s => Str(s.GetProperty("device"), "tone") == "none", "the tone to stop");

        // Default 2 s.
        Assert.Equal("test", Str(await d.OkAsync(WebCommands.Tone), "tone"));
        time.Advance(TimeSpan.FromSeconds(2));
        await d.WaitForStatusAsync(s => Str(s.GetProperty("device"), "tone") == "none", "the default tone to stop");
    }

    [Theory]
    [InlineData(WebCommands.Tone, """{"seconds":0}""", "seconds: must be 1 to 10")]
    [InlineData(WebCommands.Tone, """{"seconds":11}""", "seconds: must be 1 to 10")]
    [InlineData(WebCommands.Tone, """{"seconds":"two"}""", "bad args for 'tone'")]
    [InlineData(WebCommands.Log, """{"lines":0}""", "lines: must be 1 to 200")]
    [InlineData(WebCommands.Log, """{"lines":201}""", "lines: must be 1 to 200")]
    [InlineData(WebCommands.Mute, null, "'mute' needs an args object")]
    [InlineData(WebCommands.Mute, "{}", "muted: mute needs true or false")]
    [InlineData(WebCommands.Mute, """{"muted":"yes"}""", "bad args for 'mute'")]
    [InlineData(WebCommands.Config, """{"op":"put"}""", "op: 'put' is not get or set")]
    [InlineData(WebCommands.Config, """{"op":"set"}""", "patch: set needs a JSON object")]
    [InlineData(WebCommands.Config, """{"op":"set","patch":[1]}""", "patch: set needs a JSON object")]
    [InlineData(WebCommands.Config, """{"op":"set","patch":{"name":"a","name":"b"}}""", "patch: ")]
    public async Task Bad_arguments_are_refused_naming_the_field(string cmd, string? args, string message)
    {
        await using var d = InProcessDaemon.Start();
        var reply = await d.SendAsync(cmd, args);
        Assert.False(reply.Ok);
        Assert.Equal(ControlErrorCodes.InvalidArgument, reply.Error!.Code);
        Assert.StartsWith(message, reply.Error.Message);
    }

    [Fact]
    public async Task Mute_sets_and_clears_the_devices_muted_flag()
    {
        await using var d = InProcessDaemon.Start();
        Assert.True((await d.OkAsync(WebCommands.Mute, """{"muted":true}""")).GetProperty("muted").GetBoolean());
        Assert.True((await d.OkAsync(ControlCommands.Status)).GetProperty("device").GetProperty("muted").GetBoolean());
        Assert.False((await d.OkAsync(WebCommands.Mute, """{"muted":false}""")).GetProperty("muted").GetBoolean());
        Assert.False((await d.OkAsync(ControlCommands.Status)).GetProperty("device").GetProperty("muted").GetBoolean());
    }

    [Fact]
    public async Task Log_returns_the_latest_lines_oldest_first()
    {
        await using var d = InProcessDaemon.Start();
        var lines = (await d.OkAsync(WebCommands.Log)).GetProperty("lines").EnumerateArray().ToList();
        Assert.InRange(lines.Count, 1, 100);
        var ready = Assert.Single(lines, l => Str(l, "message")!.StartsWith("ready id=", StringComparison.Ordinal));
        Assert.Equal("info", Str(ready, "level"));
        Assert.EndsWith("Z", Str(ready, "time"));
        Assert.True(lines.IndexOf(ready) > 0, "the identity and DHT lines come before the ready line");

        // The daemon may log between two requests: the one latest line is among the lines after the ready line.
        var last = Assert.Single((await d.OkAsync(WebCommands.Log, """{"lines":1}""")).GetProperty("lines").EnumerateArray());
        var after = (await d.OkAsync(WebCommands.Log, """{"lines":200}""")).GetProperty("lines").EnumerateArray()
            .SkipWhile(l => !Str(l, "message")!.StartsWith("ready id=", StringComparison.Ordinal)).Select(l => l.GetRawText());
        Assert.Contains(last.GetRawText(), after);
    }

    [Fact]
    public async Task Reject_refuses_a_ringing_call_and_history_lists_calls_newest_first()
    {
        await using var a = InProcessDaemon.Start();
        await using var b = InProcessDaemon.Start();
        string idA = a.Daemon.Id.ToString(), idB = b.Daemon.Id.ToString();
        await b.OkAsync(ControlCommands.Contacts, $$"""{"op":"add","name":"Porch","id":"{{idA}}"}""");
        Assert.Equal("""{"calls":[]}""", (await b.OkAsync(WebCommands.History)).GetRawText());

        var nothing = await b.SendAsync(WebCommands.Reject);
        Assert.Equal((false, ControlErrorCodes.InvalidState), (nothing.Ok, nothing.Error!.Code));

        // 1: rejected while ringing; no test tone meanwhile.
        string target = $$"""{"to":"127.0.0.1:{{b.Daemon.UdpPort}}/{{idB}}"}""";
        await a.OkAsync(ControlCommands.Dial, target);
        await b.WaitForStatusAsync(s => Str(s, "state") == ControlStates.RingingIn, "the ring");
        var tone = await b.SendAsync(WebCommands.Tone);
        Assert.Equal((false, ControlErrorCodes.InvalidState), (tone.Ok, tone.Error!.Code));
        Assert.Equal(ControlStates.Ending, Str(await b.OkAsync(WebCommands.Reject), "state"));
        await a.WaitForStatusAsync(s => Str(s, "state") == ControlStates.Idle, "the caller to see the rejection");
        await b.WaitForStatusAsync(s => Str(s, "state") == ControlStates.Idle, "the callee to be idle");

        // 2: answered, the microphone level known, hung up by the caller.
        await a.OkAsync(ControlCommands.Dial, target);
        await b.WaitForStatusAsync(s => Str(s, "state") == ControlStates.RingingIn, "the second ring");
        await b.OkAsync(ControlCommands.Answer);
        var inCall = await a.WaitForStatusAsync(s => s.GetProperty("call") is { ValueKind: JsonValueKind.Object } call
            && call.GetProperty("media").GetProperty("input_level_db").ValueKind == JsonValueKind.Number, "the microphone level");
        Assert.Equal(-100, inCall.GetProperty("call").GetProperty("media").GetProperty("input_level_db").GetDouble()); // a silent microphone
        await a.OkAsync(ControlCommands.Hangup);
        await b.WaitForStatusAsync(s => Str(s, "state") == ControlStates.Idle, "the hang-up");

        var calls = (await b.OkAsync(WebCommands.History)).GetProperty("calls").EnumerateArray().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((idA, "Porch", CallDirections.Incoming, CallEndReasons.Hangup),
            (Str(calls[0], "peer_id"), Str(calls[0], "name"), Str(calls[0], "direction"), Str(calls[0], "end_reason")));
        Assert.Equal((idA, "Porch", CallDirections.Incoming, CallEndReasons.Rejected, 0),
            (Str(calls[1], "peer_id"), Str(calls[1], "name"), Str(calls[1], "direction"), Str(calls[1], "end_reason"),
                calls[1].GetProperty("duration_seconds").GetInt32()));
        Assert.True(calls[0].GetProperty("started").GetDateTimeOffset() >= calls[1].GetProperty("started").GetDateTimeOffset());

        var outgoing = (await a.OkAsync(WebCommands.History)).GetProperty("calls").EnumerateArray().ToList();
        Assert.Equal([(CallDirections.Outgoing, CallEndReasons.Hangup), (CallDirections.Outgoing, CallEndReasons.Rejected)],
            outgoing.Select(c => (Str(c, "direction"), Str(c, "end_reason"))));
        Assert.All(outgoing, c => Assert.Equal(idB, Str(c, "peer_id")));
    }
}
