using PicoTalk.TestSupport;

namespace PicoTalk.Integration.Tests;

/// <summary>Issue 5: a config damaged while the daemon was down (a power cut mid-edit) is reported on
/// start, kept as .bad, and the last good copy is used: the daemon starts with the settings it had.</summary>
public sealed class ConfigRepairOnStartTests : IDisposable
{
    private readonly TempDirectory _dir = new("picotalk-repair-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_truncated_config_is_reported_and_the_last_good_copy_used()
    {
        string state = _dir.File("d");
        DaemonProcess.WriteConfig(state, """{"name":"Front door","calls":{"do_not_disturb":true}}""");
        await using (var first = await DaemonProcess.StartAsync(state, "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null"))
        {
            // Any durable write keeps the last good copy; a contact change is one.
            var added = await first.CliAsync("contacts", "add", "alice", new string('a', 40));
            Assert.True(added.ExitCode == 0, added.ToString());
            Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(10)));
        }

        string config = Path.Combine(state, "config.json");
        byte[] whole = File.ReadAllBytes(config);
        File.WriteAllBytes(config, whole[..(whole.Length / 2)]); // half-written

        await using var second = await DaemonProcess.StartAsync(state, "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null");
        Assert.Contains("restored it from", second.Output);
        Assert.True(File.Exists(config + ".bad"));
        var contacts = await second.CliAsync("contacts");
        Assert.Contains("alice", contacts.Stdout);
        var status = await second.CliAsync("status");
        Assert.Contains("do not disturb", status.Stdout);
    }
}
