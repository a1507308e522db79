using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// The page is used from a phone at the door: at 390 CSS pixels wide (an upright phone) no page
/// may scroll sideways. Each page is measured by its document's scrollWidth once its live data has
/// arrived, and the elements that stick out are named.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneLayoutTests(Chromium chromium)
{
    // Elements whose right edge is past the viewport (half a pixel of rounding allowed).
    private const string Overflowing =
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)" +
        ".slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').join(', ')";

    [Fact]
    public async Task No_page_scrolls_sideways_on_a_phone()
    {
        var shots = new Screenshots(nameof(PhoneLayoutTests));
        await using var appliance = await Appliance.StartAsync("phone");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync(appliance.Page("/setup"));
            var problems = new List<string>();
            await MeasureAsync(page, "/setup", problems, shots);
            await PageFlows.SetUpAsync(page, appliance, "A rather long device name for a phone");
            foreach (string path in new[] { "/home", "/contacts", "/settings", "/diagnostics" })
            {
                await page.GotoAsync(appliance.Page(path));
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await MeasureAsync(page, path, problems, shots);
            }

            // The click starts a navigation (a POST, then /login): measure the login page once it is
            // there, not the page being left (a screenshot taken mid-navigation waited out its 15 s).
            await page.Locator("#logout").ClickAsync();
            await Expect(page).ToHaveURLAsync(PageFlows.LoginUrl());
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await MeasureAsync(page, "/login", problems, shots);
            Assert.True(problems.Count == 0, "wider than a 390 px phone: " + string.Join("; ", problems));
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    private static async Task MeasureAsync(IPage page, string path, List<string> problems, Screenshots shots)
    {
        int width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        if (width > Chromium.Phone.Width)
        {
            problems.Add($"{path} is {width} px ({await page.EvaluateAsync<string>(Overflowing)})");
        }

        await shots.TakeAsync(page, path.Trim('/'), fullPage: false);
    }
}
