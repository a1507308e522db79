using System.Text.Json;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6: the settings page. A value the daemon refuses is shown next to its own field with the
/// reason, and nothing is stored; an accepted one is in config.json and still on the page after both
/// the daemon and the UI were restarted.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SettingsTests(Chromium chromium)
{
    [Fact]
    public async Task A_refused_setting_shows_the_reason_next_to_its_field_and_stores_nothing()
    {
        var shots = new Screenshots(nameof(SettingsTests));
        await using var appliance = await Appliance.StartAsync("refused");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Porch");
            await PageFlows.OpenAsync(page, appliance, "/settings");
            var bitrate = page.Locator("input[name=\"opus.bitrate\"]");
            string before = await bitrate.InputValueAsync();
            await shots.TakeAsync(page, "settings");

            // 5 bit/s: Opus codes 6 to 510 kbit/s (RFC 6716 §2.1.1), the daemon's check says so.
            await bitrate.FillAsync("5");
            await page.Locator("#settings-save").ClickAsync();
            var error = page.Locator("[data-error-for=\"opus.bitrate\"]");
            await Expect(error).ToBeVisibleAsync();
            await Expect(error).ToHaveTextAsync(new Regex("6000|6 ?kbit", RegexOptions.IgnoreCase));
            // Only that field is blamed, and the page does not claim it saved.
            await Expect(page.Locator("[data-error-for=\"name\"]")).ToBeEmptyAsync();
            await Expect(page.Locator("#settings-status")).Not.ToContainTextAsync("Saved");
            await shots.TakeAsync(page, "refused");
            await bitrate.ScrollIntoViewIfNeededAsync();
            await shots.TakeAsync(page, "refused-field", fullPage: false);

            Assert.Equal(before, StoredValue(appliance, "opus", "bitrate") ?? before);
            await page.ReloadAsync();
            await Expect(page.Locator("input[name=\"opus.bitrate\"]")).ToHaveValueAsync(before);
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    [Fact]
    public async Task An_accepted_setting_persists_across_a_restart_of_the_daemon_and_the_ui()
    {
        var shots = new Screenshots(nameof(SettingsTests));
        await using var appliance = await Appliance.StartAsync("persist");
        await using var context = await chromium.NewContextAsync(Chromium.Desktop);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Porch");
            await PageFlows.OpenAsync(page, appliance, "/settings");
            await page.Locator("input[name=\"name\"]").FillAsync("Back door");
            await page.Locator("input[name=\"audio.speaker_gain_db\"]").FillAsync("-6");
            await page.Locator("#settings-save").ClickAsync();
            await Expect(page.Locator("#settings-status")).ToContainTextAsync("Saved");
            await Expect(page.Locator("[data-error-for=\"audio.speaker_gain_db\"]")).ToBeEmptyAsync();
            await shots.TakeAsync(page, "saved");
            Assert.Equal("Back door", StoredValue(appliance, "name"));

            // systemd restarts both (an update, a power cut): stop the UI and the daemon, start them again.
            // The tab is closed first: how the UI stops with a page open is UiShutdownTests' business.
            await page.GotoAsync("about:blank");
            await appliance.StopUiAsync();
            await appliance.StopDaemonAsync();
            await appliance.StartDaemonAsync();
            await appliance.StartUiAsync();

            await PageFlows.OpenAsync(page, appliance, "/settings");
            await Expect(page.Locator("input[name=\"name\"]")).ToHaveValueAsync("Back door");
            await Expect(page.Locator("input[name=\"audio.speaker_gain_db\"]")).ToHaveValueAsync(new Regex(@"^-6(\.0+)?$"));
            await shots.TakeAsync(page, "after-restart");
            await PageFlows.OpenAsync(page, appliance, "/home");
            await Expect(page.Locator("#device-name")).ToContainTextAsync("Back door");
            await shots.TakeAsync(page, "home-after-restart");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    /// <summary>A value in the daemon's config.json as text (null when the key is not there).</summary>
    private static string? StoredValue(Appliance appliance, params string[] path)
    {
        string file = Path.Combine(appliance.DaemonStateDirectory, "config.json");
        if (!File.Exists(file))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var element = doc.RootElement;
        foreach (string key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
    }
}
