namespace PicoTalk.Hal.Tests;

/// <summary>
/// Waiting for another thread to reach a state. The timeout is only a guard so a broken build fails
/// instead of hanging; no test relies on real time passing.
/// </summary>
internal static class Waits
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    public static void Until(Func<bool> condition, string what)
    {
        Assert.True(SpinWait.SpinUntil(condition, Guard), $"timed out waiting until {what}");
    }

    public static void Join(Thread thread)
    {
        Assert.True(thread.Join(Guard), $"thread {thread.Name} did not finish");
    }
}
