using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Rooms;
using PicoTalk.Ui;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6 "Rooms: join or leave a room by name and password, members, chat, push-to-talk in the
/// page", over real processes: one appliance also runs the room server (<c>--room-server</c>) and
/// joins it from its page over UDP; a second joins from a phone-sized page over TCP, after its page
/// asked about the server's changed key and refused a wrong password next to the password field.
/// Both pages then list each other, chat arrives live, the talk button held with the mouse or the
/// space bar makes the daemon talk and letting go (or the window losing focus) stops it, and leaving
/// takes the member off the other page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class RoomsTests(Chromium chromium)
{
    private static readonly TimeSpan DaemonTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Two_pages_join_a_room_see_each_other_chat_live_talk_while_the_button_is_held_and_leave()
    {
        var shots = new Screenshots(nameof(RoomsTests));
        await using var host = await Appliance.StartAsync("room-host", daemonArgs: ["--room-server", "--room-ports", "0,0,0"]);
        await using var guest = await Appliance.StartAsync("room-guest");
        await using var hostContext = await chromium.NewContextAsync(Chromium.Desktop);
        await using var guestContext = await chromium.NewContextAsync(Chromium.Phone);
        var hostPage = await hostContext.NewPageAsync();
        var guestPage = await guestContext.NewPageAsync();
        try
        {
            var line = RoomServerLine().Match(host.DaemonOutput);
            Assert.True(line.Success, "no room server line");
            // Both transports name the server by its TCP port (UDP's control connection runs there).
            string server = "127.0.0.1:" + line.Groups["tcp"].Value;
            string key = line.Groups["key"].Value;
            // The guest joined this server before it was re-installed: it pinned another key.
            new RoomServerPins(guest.DaemonStateDirectory, _ => { }).Pin(server, new byte[32]);

            await PageFlows.SetUpAsync(hostPage, host, "Flat 2");
            await PageFlows.SetUpAsync(guestPage, guest, "Gate");
            await hostPage.Locator("#nav-rooms").ClickAsync();
            await Expect(hostPage).ToHaveURLAsync(new Regex("/rooms$"));
            await JoinAsync(hostPage, server, "pw 1", "Ay", "udp");
            await Expect(hostPage.Locator("#room-state")).ToHaveTextAsync("joined");
            await Expect(hostPage.Locator("#room-key")).ToHaveTextAsync(key);
            await Expect(hostPage.Locator("#room-server-shown")).ToHaveTextAsync(server);

            // The guest's page shows both fingerprints and asks before it accepts the new key; with
            // the wrong password the room then refuses it, and the page says so under the password.
            await PageFlows.OpenAsync(guestPage, guest, "/rooms");
            await JoinAsync(guestPage, server, "not pw 1", "Bee", "tcp");
            await Expect(guestPage.Locator("#key-changed")).ToBeVisibleAsync();
            await Expect(guestPage.Locator("#key-pinned")).ToHaveTextAsync(RoomServerPins.Fingerprint(new byte[32]));
            await Expect(guestPage.Locator("#key-now")).ToHaveTextAsync(key);
            await shots.TakeAsync(guestPage, "guest-key-changed");
            await AssertFitsPhoneAsync(guestPage);
            await guestPage.Locator("#key-accept").ClickAsync();
            await Expect(guestPage.Locator("#room-password-error")).ToContainTextAsync("did not accept our password");
            await Expect(guestPage.Locator("#key-changed")).ToBeHiddenAsync();
            await Expect(guestPage.Locator("#room-server-error")).ToBeEmptyAsync();
            await shots.TakeAsync(guestPage, "guest-wrong-password");

            // The right password; the key is pinned now, so no question this time.
            await guestPage.Locator("#room-password").FillAsync("pw 1");
            await guestPage.Locator("#room-join").ClickAsync();
            await Expect(guestPage.Locator("#room-state")).ToHaveTextAsync("joined");
            await Expect(guestPage.Locator("#room-key")).ToHaveTextAsync(key);
            await Expect(guestPage.Locator("#room-password-error")).ToBeEmptyAsync();

            // Members: each page lists the other, verified (members change without an event: the
            // page asks again with the live feed's status ticks).
            await Expect(hostPage.Locator("li.member.verified[data-name=\"Bee\"]")).ToBeVisibleAsync();
            await Expect(guestPage.Locator("li.member.verified[data-name=\"Ay\"]")).ToBeVisibleAsync();
            // Both are ours on our server: wide lanes with a checked mix, nothing altered.
            await Expect(guestPage.Locator("#room-audio")).ToContainTextAsync("mix checked");
            await Expect(guestPage.Locator("#room-audio")).Not.ToContainTextAsync("ALTERED");

            // Chat, live both ways.
            await guestPage.Locator("#chat-text").FillAsync("hello from the gate");
            await guestPage.Locator("#chat-send").ClickAsync();
            await Expect(hostPage.Locator("#chat-log li.theirs")).ToHaveTextAsync("Bee: hello from the gate");
            await Expect(guestPage.Locator("#chat-log li.mine")).ToHaveTextAsync("you: hello from the gate");
            await hostPage.Locator("#chat-text").FillAsync("coming down");
            await hostPage.Locator("#chat-send").ClickAsync();
            await Expect(guestPage.Locator("#chat-log li.theirs")).ToHaveTextAsync("Ay: coming down");
            await shots.TakeAsync(guestPage, "guest-in-room");
            await AssertFitsPhoneAsync(guestPage);

            // Push-to-talk with the mouse: talking while held, not once let go.
            var ptt = hostPage.Locator("#ptt");
            await ptt.HoverAsync();
            await hostPage.Mouse.DownAsync();
            await ExpectTalkingAsync(host, true);
            await Expect(ptt).ToHaveClassAsync(new Regex(@"\btalking\b"));
            await shots.TakeAsync(hostPage, "host-talking");
            await hostPage.Mouse.UpAsync();
            await ExpectTalkingAsync(host, false);

            // With the space bar (not while typing), and the window losing focus lets go of a held key.
            await hostPage.Locator("#room-title").ClickAsync();
            await hostPage.Keyboard.DownAsync("Space");
            await ExpectTalkingAsync(host, true);
            await hostPage.EvaluateAsync("window.dispatchEvent(new Event('blur'))");
            await ExpectTalkingAsync(host, false);
            await hostPage.Keyboard.UpAsync("Space");

            // Leaving: the guest's page offers the form again, and the host's page no longer lists it.
            await guestPage.Locator("#room-leave").ClickAsync();
            await Expect(guestPage.Locator("#join-form")).ToBeVisibleAsync();
            await Expect(guestPage.Locator("#room-section")).ToBeHiddenAsync();
            Assert.Equal("idle", (await RoomAsync(guest)).GetProperty("state").GetString());
            await Expect(hostPage.Locator("li.member")).ToHaveCountAsync(0);
            await Expect(hostPage.Locator("#room-members-empty")).ToBeVisibleAsync();
            await shots.TakeAsync(hostPage, "host-alone-again");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(hostPage);
            await shots.TakeOnFailureAsync(guestPage);
            throw new PageTestFailure(e, $"=== host ===\n{host.Output}\n=== guest ===\n{guest.Output}");
        }
    }

    private static async Task JoinAsync(IPage page, string server, string password, string name, string transport)
    {
        await page.Locator("#room-server").FillAsync(server);
        await page.Locator("#room-room").FillAsync("lobby");
        await page.Locator("#room-password").FillAsync(password);
        await page.Locator("#room-user").FillAsync(name);
        await page.Locator("#room-transport").SelectOptionAsync(transport);
        await page.Locator("#room-join").ClickAsync();
    }

    /// <summary>At 390 CSS pixels (PhoneLayoutTests' phone) the page must not scroll sideways.</summary>
    private static async Task AssertFitsPhoneAsync(IPage page)
    {
        int width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= Chromium.Phone.Width, $"the rooms page is {width} px wide on a {Chromium.Phone.Width} px phone");
    }

    /// <summary>The daemon's own answer to <c>rooms</c>, straight from its control socket (not through the page).</summary>
    private static async Task<JsonElement> RoomAsync(Appliance appliance)
    {
        using var timeout = new CancellationTokenSource(DaemonTimeout);
        await using var client = await ControlClient.ConnectAsync(appliance.ControlPath, timeout.Token);
        var reply = await client.RequestAsync(RoomsNames.Command, null, timeout.Token);
        Assert.True(reply.Ok, reply.Error?.Message);
        return reply.Result!.Value;
    }

    /// <summary>Polls the daemon (a real process: a deadline, not a sleep) until its <c>talking</c> is <paramref name="expected"/>.</summary>
    private static async Task ExpectTalkingAsync(Appliance appliance, bool expected)
    {
        var deadline = Stopwatch.StartNew();
        JsonElement room;
        while ((room = await RoomAsync(appliance)).GetProperty("talking").GetBoolean() != expected)
        {
            Assert.True(deadline.Elapsed < DaemonTimeout, $"talking stayed {!expected} for {DaemonTimeout.TotalSeconds} s: {room}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"room server tcp=(?<tcp>\d+) udp=(?<udp>\d+) ws=(?<ws>\d+) key=(?<key>[0-9a-f]{16})")]
    private static partial Regex RoomServerLine();
}
