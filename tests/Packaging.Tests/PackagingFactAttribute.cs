namespace PicoTalk.Packaging.Tests;

/// <summary>
/// A fact that needs root and the packaging tools (mmdebstrap, systemd-nspawn, dpkg-deb, lintian,
/// which `./build.sh test` installs): skipped, saying why, where they are missing. Under CI
/// (CI=true, run as root) it never skips, so a tool missing there fails the test instead.
/// </summary>
public sealed class PackagingFactAttribute : FactAttribute
{
    private static readonly string[] Tools = ["mmdebstrap", "systemd-nspawn", "dpkg-deb", "lintian", "nsenter", "curl"];

    public PackagingFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            return;
        }

        if (Environment.UserName != "root")
        {
            Skip = "the packaging tests make and boot a Debian rootfs, which needs root";
            return;
        }

        string[] missing = [.. Tools.Where(t => !OnPath(t))];
        if (missing.Length > 0)
        {
            Skip = $"not installed: {string.Join(", ", missing)} (./build.sh test installs them)";
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
