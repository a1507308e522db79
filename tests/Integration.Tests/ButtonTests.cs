using System.Text.Json;
using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 5 "Done when": `picotalk press ANSWER` and friends drive the simulated buttons of a running
/// daemon; a call rings a daemon and a button press answers it. Two real daemons on loopback; the
/// press goes over the control socket, becomes an edge on the simulated GPIO line, is read by the
/// event loop from the chip's descriptor, debounced, and mapped to the call action.
/// </summary>
public sealed class ButtonTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private TwoDaemons? _pair;

    private DaemonProcess A => _pair!.A;

    private DaemonProcess B => _pair!.B;

    private EventStream AEvents => _pair!.AEvents;

    private EventStream BEvents => _pair!.BEvents;

    public async Task InitializeAsync() => _pair = await TwoDaemons.StartAsync("picotalk-buttons-", output, a => $$$"""
        {"contacts":[{"name":"alice","id":"{{{a.Id}}}","may_open_door":true}],"gpio":{"door_pulse_ms":500}}
        """);

    public async Task DisposeAsync()
    {
        if (_pair is not null)
        {
            await _pair.DisposeAsync();
        }
    }

    [Fact]
    public async Task Answer_hangs_up_and_a_long_press_rejects()
    {
        await RingBAsync();
        Assert.Equal("fast_blink", await CallLedAsync(B));
        // B knows A as a contact: its status names the call by the contact's name.
        var ringing = JsonDocument.Parse((await B.CliAsync("status", "--json")).Stdout).RootElement;
        Assert.Equal("alice", ringing.GetProperty("call").GetProperty("name").GetString());
        await PressAsync(B, "ANSWER");
        await AEvents.WaitForStateAsync("in_call", Wait);
        await BEvents.WaitForStateAsync("in_call", Wait);
        Assert.Equal("on", await CallLedAsync(B));

        // In a call the same button hangs up.
        await PressAsync(B, "ANSWER");
        await AEvents.WaitForStateAsync("idle", Wait);
        await BEvents.WaitForStateAsync("idle", Wait);

        // Held for 2 s (past the 1.5 s long press) it rejects.
        await RingBAsync();
        await PressAsync(B, "ANSWER", "2000");
        var ended = await AEvents.WaitForAsync("call_ended", e => e.GetProperty("reason").GetString() == "rejected", Wait);
        Assert.Equal("rejected", ended.GetProperty("reason").GetString());
        await BEvents.WaitForAsync("button", e => e.GetProperty("gesture").GetString() == "long_press", Wait);
    }

    [Fact]
    public async Task Ptt_hold_and_release_and_the_door_opens_for_a_contact()
    {
        await RingBAsync();
        await PressAsync(B, "ANSWER");
        await AEvents.WaitForStateAsync("in_call", Wait);

        await PressAsync(B, "PTT", "hold");
        await BEvents.WaitForAsync("button", e => e.GetProperty("button").GetString() == "PTT" && e.GetProperty("action").GetString() == "talk_start", Wait);
        Assert.True(await DeviceAsync(B, d => d.GetProperty("talking").GetBoolean()));
        Assert.Equal("flash", await CallLedAsync(B));
        var release = await B.CliAsync("release", "PTT");
        Assert.True(release.ExitCode == 0, release.ToString());
        await BEvents.WaitForAsync("button", e => e.GetProperty("action").GetString() == "talk_stop", Wait);

        // A (B's contact, allowed) asks B to open its door from the call.
        var door = await A.CliAsync("door");
        Assert.True(door.ExitCode == 0, door.ToString());
        var answered = await AEvents.WaitForAsync("door", timeout: Wait);
        Assert.Equal("answered", answered.GetProperty("direction").GetString());
        Assert.True(answered.GetProperty("opened").GetBoolean(), answered.ToString());
        var opened = await BEvents.WaitForAsync("door", timeout: Wait);
        Assert.Equal("opened_here", opened.GetProperty("direction").GetString());
        Assert.Equal(A.Id, opened.GetProperty("peer_id").GetString());

        // B is not A's contact: A refuses B's request.
        Assert.Equal(0, (await B.CliAsync("door")).ExitCode);
        var refused = await BEvents.WaitForAsync("door", e => e.GetProperty("direction").GetString() == "answered", Wait);
        Assert.False(refused.GetProperty("opened").GetBoolean());
        Assert.Contains("not a contact", refused.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bad_button_names_and_durations_are_refused()
    {
        var unknown = await B.CliAsync("press", "DOOR");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("button: must be ANSWER, CALL or PTT", unknown.Stderr);
        var badDuration = await B.CliAsync("press", "ANSWER", "soon");
        Assert.Equal(2, badDuration.ExitCode);
        var noCall = await B.CliAsync("door");
        Assert.Equal(1, noCall.ExitCode);
        Assert.Contains("from a call in progress", noCall.Stderr);
    }

    private async Task RingBAsync()
    {
        var dial = await A.CliAsync("dial", $"127.0.0.1:{B.UdpPort}/{B.Id}");
        Assert.True(dial.ExitCode == 0, dial.ToString());
        await BEvents.WaitForAsync("ring", timeout: Wait);
        await AEvents.WaitForStateAsync("ringing_out", Wait);
    }

    private static async Task PressAsync(DaemonProcess daemon, params string[] args)
    {
        var result = await daemon.CliAsync(["press", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static async Task<string?> CallLedAsync(DaemonProcess daemon)
    {
        var status = JsonDocument.Parse((await daemon.CliAsync("status", "--json")).Stdout).RootElement;
        return status.GetProperty("device").GetProperty("call_led").GetString();
    }

    private static async Task<bool> DeviceAsync(DaemonProcess daemon, Func<JsonElement, bool> check)
    {
        var status = JsonDocument.Parse((await daemon.CliAsync("status", "--json")).Stdout).RootElement;
        return check(status.GetProperty("device"));
    }
}
