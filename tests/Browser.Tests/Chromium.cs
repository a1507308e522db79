using Microsoft.Playwright;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>, which build.sh installs for the tests) driven by
/// Playwright's node driver from the NuGet package, launched once for every browser test. Playwright's
/// own browser builds are never downloaded (DESIGN.md "Testing without the hardware").
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>A phone held upright (CSS pixels), as a neighbour at the door would hold it.</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install chromium (build.sh test installs it)");
        }

        // Belt and braces: nothing here may fetch a browser build.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // No sandbox: the tests run as root, where Chromium's sandbox refuses to start. The rest
            // keep the browser off the network and off the GPU the machine does not have.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
    }

    /// <summary>A fresh browser profile (cookies of its own) with <paramref name="viewport"/>; one per
    /// appliance, since every appliance's page lives on 127.0.0.1 and cookies ignore the port.</summary>
    public async Task<IBrowserContext> NewContextAsync(ViewportSize viewport)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Browser tests share one Chromium and run one at a time (each starts its own daemons).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Chromium>
{
    public const string Name = "browser";
}
