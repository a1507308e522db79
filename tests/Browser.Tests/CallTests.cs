using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6: a call made and answered from the pages of two real appliances. The caller's contacts
/// page adds the other appliance by its pasted ID and dials it; the callee's page (phone-sized)
/// shows the ring and answers; both pages show the call and its statistics updating live.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CallTests(Chromium chromium)
{
    private static readonly LocatorAssertionsToHaveTextOptions CallSetUp = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_contact_added_and_dialed_on_one_page_rings_on_the_other_which_answers_and_shows_live_stats()
    {
        var shots = new Screenshots(nameof(CallTests));
        await using var caller = await Appliance.StartAsync("caller");
        // LAN discovery is off: the callee joins the caller's DHT, so an ID alone reaches it.
        await using var callee = await Appliance.StartAsync("callee", bootstrap: caller);
        await using var callerContext = await chromium.NewContextAsync(Chromium.Desktop);
        await using var calleeContext = await chromium.NewContextAsync(Chromium.Phone);
        var callerPage = await callerContext.NewPageAsync();
        var calleePage = await calleeContext.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(callerPage, caller, "Flat 2");
            await PageFlows.SetUpAsync(calleePage, callee, "Gate");
            await Expect(calleePage.Locator("#call-state")).ToHaveTextAsync("idle");

            // Add the gate as a contact by pasting its ID.
            await PageFlows.OpenAsync(callerPage, caller, "/contacts");
            await callerPage.Locator("#contact-name").FillAsync("Gate");
            await callerPage.Locator("#contact-id").FillAsync(callee.Id);
            await callerPage.Locator("#contact-add").ClickAsync();
            var row = callerPage.Locator("tr.contact[data-name=\"Gate\"]");
            await Expect(row).ToBeVisibleAsync();
            await Expect(callerPage.Locator("#contact-error")).ToBeEmptyAsync();
            await shots.TakeAsync(callerPage, "caller-contact-added");

            // Dial it from its row; the callee's page rings.
            await row.Locator(".call").ClickAsync();
            await Expect(calleePage.Locator("#call-state")).ToHaveTextAsync("ringing_in", CallSetUp);
            await Expect(calleePage.Locator("#answer")).ToBeEnabledAsync();
            await shots.TakeAsync(calleePage, "callee-ringing");
            await PageFlows.OpenAsync(callerPage, caller, "/home");
            await Expect(callerPage.Locator("#call-state")).ToHaveTextAsync("ringing_out");
            await shots.TakeAsync(callerPage, "caller-ringing-out");

            // Answer on the callee's page: both pages show the call, the caller's with the callee's ID.
            await calleePage.Locator("#answer").ClickAsync();
            await Expect(calleePage.Locator("#call-state")).ToHaveTextAsync("in_call");
            await Expect(callerPage.Locator("#call-state")).ToHaveTextAsync("in_call");
            await Expect(callerPage.Locator("#call-peer")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(
                $"Gate|{callee.Id[..8]}"));

            // The statistics update while the pages stay open: the encoder's bitrate climbs on a clean
            // link by 5 % a second (BitrateController), and the page must follow without a reload.
            await ExpectChangesAsync(callerPage, "#stat-bitrate");
            await ExpectChangesAsync(calleePage, "#stat-bitrate");
            await shots.TakeAsync(callerPage, "caller-in-call");
            await shots.TakeAsync(calleePage, "callee-in-call");

            await callerPage.Locator("#hangup").ClickAsync();
            await Expect(callerPage.Locator("#call-state")).ToHaveTextAsync("idle");
            await Expect(calleePage.Locator("#call-state")).ToHaveTextAsync("idle");
            await shots.TakeAsync(calleePage, "callee-hung-up");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(callerPage);
            await shots.TakeOnFailureAsync(calleePage);
            throw new PageTestFailure(e, $"=== caller ===\n{caller.Output}\n=== callee ===\n{callee.Output}");
        }
    }

    /// <summary>Waits (up to 15 s) for <paramref name="selector"/>'s text to differ from what it
    /// showed first, which must already be a figure, not blank.</summary>
    private static async Task ExpectChangesAsync(IPage page, string selector)
    {
        var element = page.Locator(selector);
        await Expect(element).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("[0-9]"));
        string first = (await element.TextContentAsync() ?? "").Trim();
        await Expect(element).Not.ToHaveTextAsync(first, new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 });
    }
}
