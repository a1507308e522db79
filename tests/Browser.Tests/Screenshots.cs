using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Every browser test leaves PNGs of what its pages showed in <c>screenshots/</c> beside the test
/// assembly (bin/Debug/net10.0/screenshots), named <c>Class.Test-NN-step.png</c> in the order taken,
/// so a failure can be looked at and the layout checked by eye.
/// </summary>
public sealed class Screenshots(string testClass, [CallerMemberName] string test = "")
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private int _count;

    /// <summary>The files this test saved, in order.</summary>
    public List<string> Saved { get; } = new();

    /// <summary>Saves what <paramref name="page"/> shows: the whole page, or with <paramref name="fullPage"/>
    /// false only the viewport (to see one field of a long form at phone size).</summary>
    public async Task<string> TakeAsync(IPage page, string step, bool fullPage = true)
    {
        Directory.CreateDirectory(Folder);
        int n = Interlocked.Increment(ref _count);
        string path = Path.Combine(Folder, $"{testClass}.{test}-{n:D2}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        Saved.Add(path);
        return path;
    }

    /// <summary>A last picture of <paramref name="page"/> when a test fails, never masking the failure.</summary>
    public async Task TakeOnFailureAsync(IPage page)
    {
        try
        {
            await TakeAsync(page, "failed");
        }
        catch (PlaywrightException)
        {
            // The page or browser is gone; the test's own exception says why.
        }
    }
}
