using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>What a user does again and again on the page (ui-spec.md "Routes"): the first-boot
/// set-up, logging in, opening a page behind the login.</summary>
public static partial class PageFlows
{
    /// <summary>The admin password every test sets (long enough for any sane minimum).</summary>
    public const string Password = "open sesame 4711";

    /// <summary>First boot: <c>/</c> leads to <c>/setup</c>, which takes the code from the UI's state
    /// directory, a device name and the password twice; afterwards the user is logged in on
    /// <c>/home</c> (or, if the page asks for it, logs in once).</summary>
    public static async Task SetUpAsync(IPage page, Appliance appliance, string deviceName, string password = Password)
    {
        await page.GotoAsync(appliance.Page("/"));
        await Expect(page).ToHaveURLAsync(SetupUrl());
        await page.Locator("#setup-code").FillAsync(appliance.ReadSetupCode());
        await page.Locator("#device-name").FillAsync(deviceName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#password2").FillAsync(password);
        await page.Locator("#setup-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(HomeOrLoginUrl());
        if (LoginUrl().IsMatch(page.Url))
        {
            await LogInAsync(page, password);
        }
    }

    /// <summary>On <c>/login</c>: the right password leads to <c>/home</c>.</summary>
    public static async Task LogInAsync(IPage page, string password = Password)
    {
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(HomeUrl());
    }

    /// <summary>Opens <paramref name="path"/>, logging in first if the page sends the browser to <c>/login</c>
    /// (as after a restart of the UI, whose sessions live in memory).</summary>
    public static async Task OpenAsync(IPage page, Appliance appliance, string path, string password = Password)
    {
        await page.GotoAsync(appliance.Page(path));
        if (LoginUrl().IsMatch(page.Url))
        {
            await LogInAsync(page, password);
            await page.GotoAsync(appliance.Page(path));
        }

        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
    }

    [GeneratedRegex("/setup$")]
    public static partial Regex SetupUrl();

    [GeneratedRegex("/login$")]
    public static partial Regex LoginUrl();

    [GeneratedRegex("/home$")]
    public static partial Regex HomeUrl();

    [GeneratedRegex("/(home|login)$")]
    private static partial Regex HomeOrLoginUrl();
}
