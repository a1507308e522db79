using System.Text.RegularExpressions;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// Names of the namespaces a lab creates: <c>pt&lt;pid&gt;x&lt;lab&gt;-&lt;role&gt;-&lt;name&gt;</c>,
/// e.g. <c>pt4711x2-h-alice</c>. The process id in the name lets a later lab tell leftovers of a
/// killed test run (whose process is gone) from the namespaces of a test run still going on, so it
/// can delete the first and must leave the second alone.
/// </summary>
internal static partial class LabNames
{
    private static int s_lastLab;

    /// <summary>Short names keep the namespace names readable in <c>ip netns list</c>.</summary>
    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex ShortName();

    [GeneratedRegex(@"^pt(?<pid>\d+)x(?<lab>\d+)-")]
    private static partial Regex LabNamespace();

    /// <summary>The prefix shared by every namespace of a new lab of this process.</summary>
    public static string NewLabPrefix() => $"pt{Environment.ProcessId}x{Interlocked.Increment(ref s_lastLab)}-";

    public static void ValidateShortName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ShortName().IsMatch(name))
        {
            throw new ArgumentException(
                $"lab name '{name}' must be 1 to 12 lower-case letters or digits, starting with a letter", nameof(name));
        }
    }

    /// <summary>The process id a lab namespace name carries, or null when the name is not ours.</summary>
    public static int? OwnerOf(string namespaceName)
    {
        var match = LabNamespace().Match(namespaceName);
        return match.Success && int.TryParse(match.Groups["pid"].ValueSpan, out int pid) ? pid : null;
    }

    /// <summary>Namespace names in the output of <c>ip netns list</c> ("name" or "name (id: 3)").</summary>
    public static IEnumerable<string> ParseNetnsList(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0]);

    /// <summary>
    /// True when no process with that id runs. A recycled pid keeps leftovers one run longer, which
    /// is harmless; deleting the namespaces of a live test run would not be.
    /// </summary>
    public static bool IsDead(int pid) => pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
}
