using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6: first boot asks for the set-up code (so a neighbour on the LAN cannot claim the page
/// first), then a password; afterwards a wrong password is refused on <c>/login</c> and the right
/// one opens <c>/home</c>, which shows this daemon's ID. On a phone-sized viewport.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SetupAndLoginTests(Chromium chromium)
{
    [Fact]
    public async Task First_boot_set_up_then_a_failed_and_a_good_login()
    {
        var shots = new Screenshots(nameof(SetupAndLoginTests));
        await using var appliance = await Appliance.StartAsync("setup");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            // First boot: the root page leads to the set-up form, which refuses a wrong code.
            await page.GotoAsync(appliance.Page("/"));
            await Expect(page).ToHaveURLAsync(PageFlows.SetupUrl());
            string code = appliance.ReadSetupCode();
            Assert.Matches("^[0-9]{8}$", code);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(appliance.SetupCodePath));
            await shots.TakeAsync(page, "setup");

            string wrongCode = code == "12345678" ? "87654321" : "12345678";
            await page.Locator("#setup-code").FillAsync(wrongCode);
            await page.Locator("#device-name").FillAsync("Hall");
            await page.Locator("#password").FillAsync(PageFlows.Password);
            await page.Locator("#password2").FillAsync(PageFlows.Password);
            await page.Locator("#setup-submit").ClickAsync();
            await Expect(page.Locator("#setup-error")).ToBeVisibleAsync();
            await Expect(page.Locator("#setup-error")).Not.ToBeEmptyAsync();
            await Expect(page).ToHaveURLAsync(PageFlows.SetupUrl());
            await shots.TakeAsync(page, "setup-wrong-code");
            Assert.True(File.Exists(appliance.SetupCodePath), "a refused set-up must keep the code");

            // The right code sets the password; the code is spent.
            await PageFlows.SetUpAsync(page, appliance, "Hall");
            Assert.False(File.Exists(appliance.SetupCodePath), "the set-up code file must go once set up");
            await Expect(page.Locator("#device-id")).ToContainTextAsync(appliance.Id);
            await Expect(page.Locator("#id-qr svg, svg#id-qr")).ToBeVisibleAsync();
            await shots.TakeAsync(page, "home");

            // Set up once only: /setup now leads elsewhere.
            await page.GotoAsync(appliance.Page("/setup"));
            await Expect(page).Not.ToHaveURLAsync(PageFlows.SetupUrl());

            // Log out; a wrong password is refused with a visible reason, the right one lets in.
            await page.GotoAsync(appliance.Page("/home"));
            await page.Locator("#logout").ClickAsync();
            await Expect(page).ToHaveURLAsync(PageFlows.LoginUrl());
            await page.GotoAsync(appliance.Page("/home"));
            await Expect(page).ToHaveURLAsync(PageFlows.LoginUrl());

            await page.Locator("#password").FillAsync("not the password");
            await page.Locator("#login-submit").ClickAsync();
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            await Expect(page.Locator("#login-error")).Not.ToBeEmptyAsync();
            await Expect(page).ToHaveURLAsync(PageFlows.LoginUrl());
            await shots.TakeAsync(page, "login-failed");

            await PageFlows.LogInAsync(page);
            await Expect(page.Locator("#device-id")).ToContainTextAsync(appliance.Id);
            await Expect(page.Locator("#device-name")).ToContainTextAsync("Hall");
            await shots.TakeAsync(page, "logged-in");

            // The other pages behind the login, as a phone shows them.
            await page.Locator("#nav-contacts").ClickAsync();
            await Expect(page.Locator("#contact-add")).ToBeVisibleAsync();
            await shots.TakeAsync(page, "contacts");
            await page.Locator("#nav-diagnostics").ClickAsync();
            await Expect(page.Locator("#version")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("[0-9]+\\.[0-9]+"));
            await Expect(page.Locator("#uptime")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("[0-9]"));
            await shots.TakeAsync(page, "diagnostics");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }
}
