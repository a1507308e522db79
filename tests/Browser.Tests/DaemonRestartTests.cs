using System.Diagnostics;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6: the UI outlives the daemon. While the daemon is down every page says so in
/// <c>#daemon-banner</c>; the UI reconnects on its own when the daemon is back on the same control
/// socket, and the open page recovers without a reload.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DaemonRestartTests(Chromium chromium)
{
    [Fact]
    public async Task The_page_says_the_daemon_is_down_and_recovers_when_it_is_back()
    {
        var shots = new Screenshots(nameof(DaemonRestartTests));
        await using var appliance = await Appliance.StartAsync("restart");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Shed");
            var banner = page.Locator("#daemon-banner");
            await Expect(page.Locator("#call-state")).ToHaveTextAsync("idle");
            await Expect(banner).ToBeHiddenAsync();

            await appliance.StopDaemonAsync();
            await Expect(banner).ToBeVisibleAsync();
            await Expect(banner).ToContainTextAsync("not reachable");
            Assert.False(appliance.Ui!.HasExited, $"the UI exited with the daemon:\n{appliance.Output}");
            await shots.TakeAsync(page, "daemon-down");

            // Another page loaded meanwhile says so too.
            await page.GotoAsync(appliance.Page("/settings"));
            await Expect(page.Locator("#daemon-banner")).ToBeVisibleAsync();
            await shots.TakeAsync(page, "settings-daemon-down");

            await page.GotoAsync(appliance.Page("/home"));
            await Expect(page.Locator("#daemon-banner")).ToBeVisibleAsync();
            await appliance.StartDaemonAsync();
            await Expect(page.Locator("#daemon-banner")).ToBeHiddenAsync(new() { Timeout = 20_000 });
            await Expect(page.Locator("#call-state")).ToHaveTextAsync("idle");
            await Expect(page.Locator("#device-id")).ToContainTextAsync(appliance.Id);

            // Not a stale page: a button pressed now reaches the new daemon, as the daemon itself reports.
            await page.Locator("#mute").ClickAsync();
            await WaitUntilMutedAsync(appliance);
            await shots.TakeAsync(page, "daemon-back-muted");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    /// <summary>Polls <c>picotalk status --json</c> (a real process, so a deadline, not a sleep) until
    /// the daemon says it is muted.</summary>
    private static async Task WaitUntilMutedAsync(Appliance appliance)
    {
        var waited = Stopwatch.StartNew();
        string last = "";
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            var (exit, stdout) = await appliance.CliAsync("status", "--json");
            last = $"exit {exit}: {stdout}";
            if (exit == 0 && JsonDocument.Parse(stdout).RootElement.GetProperty("device").GetProperty("muted").GetBoolean())
            {
                return;
            }
        }

        Assert.Fail($"the daemon did not report muted after #mute was clicked; last status {last}");
    }
}
