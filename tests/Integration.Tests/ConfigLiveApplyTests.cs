using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;
using PicoTalk.TestSupport;
using PicoTalk.Ui;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 6: a setting changed over the control socket of a running <c>picotalkd</c> takes effect
/// without a restart. Do-not-disturb switched on makes the next call end busy; switched off with the
/// command line client, the next call rings. Two real daemons on loopback.
/// </summary>
public sealed class ConfigLiveApplyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private TwoDaemons? _pair;

    private DaemonProcess A => _pair!.A;

    private DaemonProcess B => _pair!.B;

    private EventStream AEvents => _pair!.AEvents;

    private EventStream BEvents => _pair!.BEvents;

    public async Task InitializeAsync() => _pair = await TwoDaemons.StartAsync("picotalk-config-live-", output);

    public async Task DisposeAsync()
    {
        if (_pair is not null)
        {
            await _pair.DisposeAsync();
        }
    }

    [Fact]
    public async Task Do_not_disturb_set_over_the_control_socket_makes_the_next_call_busy_at_once()
    {
        await using (var client = await ControlClient.ConnectAsync(B.ControlPath, CancellationToken.None))
        {
            var args = JsonDocument.Parse("""{"op":"set","patch":{"calls":{"do_not_disturb":true}}}""").RootElement;
            var reply = await client.RequestAsync(WebCommands.Config, args, CancellationToken.None).WaitAsync(Wait);
            Assert.True(reply.Ok, reply.Error?.Message);
            var result = reply.ReadResult(ControlJsonContext.Default.ConfigResult);
            Assert.Empty(result.RestartRequired);
            Assert.True(result.Config.GetProperty("calls").GetProperty("do_not_disturb").GetBoolean());
        }

        Assert.True(ConfigStore.Read(Path.Combine(B.StateDirectory, ConfigStore.FileName)).Calls.DoNotDisturb);
        await DialBAsync();
        var busy = await AEvents.WaitForAsync("call_ended", timeout: Wait);
        Assert.Equal(CallEndReasons.Busy, busy.GetProperty("reason").GetString());

        // Off again through the command line client (with a negative gain as an operand): the next call rings.
        var off = await B.CliAsync("config", "set", "calls.do_not_disturb", "false", "audio.mic_gain_db", "-20");
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Contains("calls.do_not_disturb: false", off.Stdout);
        Assert.Contains("audio.mic_gain_db: -20", off.Stdout);
        await DialBAsync();
        await BEvents.WaitForAsync("ring", timeout: Wait);
        Assert.Equal(0, (await B.CliAsync("reject")).ExitCode);
        var rejected = await AEvents.WaitForAsync("call_ended", e => e.GetProperty("reason").GetString() == CallEndReasons.Rejected, Wait);
        Assert.NotNull(rejected.GetProperty("message").GetString());
    }

    private async Task DialBAsync()
    {
        var dial = await A.CliAsync("dial", $"127.0.0.1:{B.UdpPort}/{B.Id}");
        Assert.True(dial.ExitCode == 0, dial.ToString());
    }
}
