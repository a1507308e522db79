using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Daemon;

/// <summary>The <c>config</c> command against a whole daemon: get, a patch applied live, keys that
/// wait for a restart, refusals that write nothing, and contact changes racing config changes.</summary>
public sealed class ConfigCommandTests
{
    private const string IdA = "0123456789abcdef0123456789abcdef01234567";

    private static string[] RestartRequired(JsonElement result) =>
        result.GetProperty("restart_required").EnumerateArray().Select(k => k.GetString()!).ToArray();

    [Fact]
    public async Task Get_answers_the_stored_config_whole_not_the_command_lines_overrides()
    {
        await using var d = InProcessDaemon.Start(configJson: """{"name":"Porch","opus":{"bitrate":24000}}""");
        foreach (var args in new[] { null, """{"op":"get"}""" })
        {
            var result = await d.OkAsync(WebCommands.Config, args);
            var config = result.GetProperty("config");
            Assert.Equal("Porch", config.GetProperty("name").GetString());
            Assert.Equal(24000, config.GetProperty("opus").GetProperty("bitrate").GetInt32());
            Assert.Equal(5004, config.GetProperty("udp_port").GetInt32()); // the daemon runs on --port 0
            Assert.Equal("sim", config.GetProperty("audio").GetProperty("input").GetString()); // and --audio-in silence
            Assert.Equal(0, config.GetProperty("audio").GetProperty("speaker_gain_db").GetDouble());
            Assert.Empty(RestartRequired(result));
        }
    }

    [Fact]
    public async Task Set_saves_applies_the_live_keys_at_once_and_names_the_rest()
    {
        await using var d = InProcessDaemon.Start();
        var result = await d.OkAsync(WebCommands.Config, """
            {"op":"set","patch":{"name":"Gate","udp_port":5010,"audio":{"frame_ms":10,"speaker_gain_db":-20,"mic_gain_db":6},
             "calls":{"do_not_disturb":true,"ring_timeout_seconds":30},"contacts":[{"name":"Porch","id":"ID_A"}],
             "gpio":{"door_pulse_ms":1000,"answer":5}}}
            """.Replace("ID_A", IdA));
        Assert.Equal(["udp_port", "audio.frame_ms", "gpio.answer"], RestartRequired(result));
        Assert.Equal("Gate", result.GetProperty("config").GetProperty("name").GetString());

        var stored = ConfigStore.Read(d.ConfigPath);
        Assert.Equal(("Gate", 5010, 10, true), (stored.Name, stored.UdpPort, stored.Audio.FrameMs, stored.Calls.DoNotDisturb));

        var running = await d.Daemon.Loop.InvokeAsync(() => (d.Daemon.Calls.Options.Name, d.Daemon.Calls.Options.RingTimeout,
            d.Daemon.Appliance.Settings.DoNotDisturb, d.Daemon.Appliance.Settings.DoorPulse, d.Daemon.Appliance.Settings.AnswerLine,
            string.Join(",", d.Daemon.Contacts.List.Select(c => c.Name))));
        Assert.Equal(("Gate", TimeSpan.FromSeconds(30), true, TimeSpan.FromSeconds(1), 17, "Porch"),
            (running.Name, running.RingTimeout, running.DoNotDisturb, running.DoorPulse, running.AnswerLine, running.Item6));
        Assert.Equal(0.1f, d.Daemon.Gains.Speaker, 1e-6f);
        Assert.True((await d.OkAsync(ControlCommands.Status)).GetProperty("device").GetProperty("do_not_disturb").GetBoolean());

        // Back to the default (null) clears the key from restart_required; get says the same as set.
        var back = await d.OkAsync(WebCommands.Config, """{"op":"set","patch":{"udp_port":null}}""");
        Assert.Equal(["audio.frame_ms", "gpio.answer"], RestartRequired(back));
        Assert.Equal(["audio.frame_ms", "gpio.answer"], RestartRequired(await d.OkAsync(WebCommands.Config)));
    }

    [Fact]
    public async Task A_refused_patch_names_each_key_on_its_own_line_and_changes_nothing()
    {
        await using var d = InProcessDaemon.Start();
        byte[] before = File.ReadAllBytes(d.ConfigPath);
        var reply = await d.SendAsync(WebCommands.Config,
            """{"op":"set","patch":{"name":"Changed","opus":{"bitrate":1000},"calls":{"do_not_disturb":true,"ring_timeout_seconds":1}}}""");
        Assert.False(reply.Ok);
        Assert.Equal(ControlErrorCodes.InvalidArgument, reply.Error!.Code);
        Assert.Equal(["opus.bitrate: must be 6000 to 510000 bit/s", "calls.ring_timeout_seconds: must be 5 to 600"], reply.Error.Message.Split('\n'));
        Assert.Equal(before, File.ReadAllBytes(d.ConfigPath));
        Assert.False((await d.OkAsync(ControlCommands.Status)).GetProperty("device").GetProperty("do_not_disturb").GetBoolean());
        Assert.Equal("PicoTalk", await d.Daemon.Loop.InvokeAsync(() => d.Daemon.Calls.Options.Name));

        var unknown = await d.SendAsync(WebCommands.Config, """{"op":"set","patch":{"calls":{"dnd":true}}}""");
        Assert.Equal("calls.dnd: unknown key (not a setting of this version)", unknown.Error!.Message);
    }

    [Fact]
    public async Task Contact_changes_racing_config_changes_are_all_kept_on_disk_and_in_the_running_list()
    {
        await using var d = InProcessDaemon.Start();
        var writes = new List<Task<ControlReply>>();
        for (int i = 0; i < 20; i++)
        {
            string id = i.ToString("x2") + IdA[2..];
            writes.Add(d.SendAsync(ControlCommands.Contacts, $$$"""{"op":"add","name":"C{{{i}}}","id":"{{{id}}}"}"""));
            // A config set that rewrites the whole file, contacts included, between the adds.
            writes.Add(d.SendAsync(WebCommands.Config, $$$"""{"op":"set","patch":{"name":"N{{{i}}}"}}"""));
        }

        foreach (var reply in await Task.WhenAll(writes))
        {
            Assert.True(reply.Ok, reply.Error?.Message);
        }

        var stored = ConfigStore.Read(d.ConfigPath);
        var expected = Enumerable.Range(0, 20).Select(i => $"C{i}").ToArray();
        Assert.Equal(expected, stored.Contacts.Select(c => c.Name));
        Assert.Equal("N19", stored.Name);
        Assert.Equal(expected, await d.Daemon.Loop.InvokeAsync(() => d.Daemon.Contacts.List.Select(c => c.Name).ToArray()));

        // A contacts list replaced by a config set is the one the daemon then uses.
        await d.OkAsync(WebCommands.Config, $$$"""{"op":"set","patch":{"contacts":[{"name":"Only","id":"{{{IdA}}}"}]}}""");
        var list = await d.OkAsync(ControlCommands.Contacts);
        Assert.Equal("Only", Assert.Single(list.GetProperty("contacts").EnumerateArray()).GetProperty("name").GetString());
    }
}
