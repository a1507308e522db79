using System.Diagnostics;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// <c>systemctl restart picotalk-ui</c> (an update) while someone has the page open: the UI must
/// still stop at once on SIGTERM (systemd.kill(5)) and exit 0, not wait for the open WebSocket
/// until the host's 30 s shutdown timeout runs out (a restart would take half a minute each time).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class UiShutdownTests(Chromium chromium)
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_ui_stops_promptly_on_sigterm_with_a_page_open()
    {
        var shots = new Screenshots(nameof(UiShutdownTests));
        await using var appliance = await Appliance.StartAsync("shutdown");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Lobby");
            // The live feed is open once the page shows the daemon's state.
            await Expect(page.Locator("#call-state")).ToHaveTextAsync("idle");
            var stopping = Stopwatch.StartNew();
            int? exit = await appliance.StopUiAsync();
            stopping.Stop();
            Assert.True(stopping.Elapsed < Promptly, $"picotalk ui took {stopping.Elapsed.TotalSeconds:F1} s to stop on SIGTERM with a page open");
            Assert.Equal(0, exit);
            await shots.TakeAsync(page, "ui-stopped");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }
}
