using System.Text.Json;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;

namespace PicoTalk.Integration.Tests;

/// <summary><c>picotalk devices</c>: what the config's audio.input/output can name, from ALSA's own list.</summary>
public sealed class DevicesCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("picotalk-devices-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_daemon_lists_alsa_devices_with_their_directions_and_the_built_in_ones()
    {
        // A PCM with a hint is listed by snd_device_name_hint, as a card's are.
        string config = AsoundConfig.Write(Path.Combine(_dir.Path, "asoundrc"), """
            pcm.picotalk_listed {
                type null
                hint { show on description "PicoTalk listed device" }
            }
            """);
        await using var daemon = await DaemonProcess.StartAsync(Path.Combine(_dir.Path, "d"),
            new Dictionary<string, string> { ["ALSA_CONFIG_PATH"] = config }, "--audio-in", "silence", "--audio-out", "null");

        var reply = await daemon.CliAsync("devices", "--json");
        Assert.True(reply.ExitCode == 0, reply.ToString());
        var result = JsonDocument.Parse(reply.Stdout).RootElement;
        Assert.Equal("silence", result.GetProperty("input").GetString());
        Assert.Equal("null", result.GetProperty("output").GetString());
        var devices = result.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("spec").GetString()!);
        var listed = devices["alsa:picotalk_listed"];
        Assert.Equal("PicoTalk listed device", listed.GetProperty("description").GetString());
        Assert.True(listed.GetProperty("capture").GetBoolean() && listed.GetProperty("playback").GetBoolean());
        Assert.True(devices["silence"].GetProperty("capture").GetBoolean());
        Assert.False(devices["silence"].GetProperty("playback").GetBoolean());
        Assert.True(devices.ContainsKey("sim") && devices.ContainsKey("null"));

        var human = await daemon.CliAsync("devices");
        Assert.Contains("alsa:picotalk_listed", human.Stdout);
    }
}
