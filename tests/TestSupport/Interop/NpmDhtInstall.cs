using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PicoTalk.TestSupport.Interop;

/// <summary>
/// Installs the pinned npm <c>bittorrent-dht</c> (tests/Interop/package.json) and our driver script
/// into a temp folder, once per test run: <c>npm install --prefix DIR --no-audit --no-fund</c>
/// (npm-install(1)). The folder is removed when the test process exits. Nothing is fetched but the
/// packages package.json names, from the configured npm registry.
/// </summary>
public static class NpmDhtInstall
{
    /// <summary>The driver script, copied beside its node_modules so its imports resolve there.</summary>
    public const string DriverFileName = "bittorrent-dht-driver.mjs";

    /// <summary>Names the exact versions; npm installs from it.</summary>
    public const string PackageFileName = "package.json";

    /// <summary>Overrides where tests/Interop is looked for (a folder holding the two files above).</summary>
    public const string SourceDirectoryVariable = "PICOTALK_INTEROP_DIR";

    // A registry round trip plus 20 small packages; the guard only stops a hung npm.
    private static readonly TimeSpan InstallGuard = TimeSpan.FromMinutes(3);

    private const string FolderPrefix = "picotalk-npm-dht-";

    private static readonly Lazy<Task<string>> Installed = new(() => Task.Run(Install));

    /// <summary>
    /// The folder holding <see cref="DriverFileName"/> and its node_modules; the first call installs,
    /// later calls (from any test) share the result, including a failure.
    /// </summary>
    /// <exception cref="NpmDhtUnavailableException">node or npm is missing, or npm install failed.</exception>
    public static Task<string> EnsureInstalledAsync() => Installed.Value;

    /// <summary>Full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? FindOnPath(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Full path of node, or an exception saying what to install.</summary>
    public static string RequireNode() => FindOnPath("node") ?? throw new NpmDhtUnavailableException(
        "node is not installed (not found on PATH). The bittorrent-dht interop tests need Node.js 20 or later and npm: " +
        "apt-get install nodejs npm.");

    private static string Install()
    {
        RequireNode();
        string npm = FindOnPath("npm") ?? throw new NpmDhtUnavailableException(
            "npm is not installed (not found on PATH). The bittorrent-dht interop tests install the npm package " +
            "bittorrent-dht at test time: apt-get install npm.");
        string source = FindSourceDirectory();
        string target = CreateTargetDirectory();
        File.Copy(Path.Combine(source, PackageFileName), Path.Combine(target, PackageFileName));
        File.Copy(Path.Combine(source, DriverFileName), Path.Combine(target, DriverFileName));

        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = target,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["install", "--prefix", target, "--no-audit", "--no-fund"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new NpmDhtUnavailableException($"could not start {npm}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(InstallGuard))
        {
            process.Kill(entireProcessTree: true);
            throw new NpmDhtUnavailableException(
                $"npm install did not finish within {InstallGuard.TotalMinutes} minutes: is the npm registry reachable? " +
                "Offline machines cannot run the bittorrent-dht interop tests.");
        }

        if (process.ExitCode != 0)
        {
            throw new NpmDhtUnavailableException(
                $"npm install of {Path.Combine(source, PackageFileName)} failed (exit code {process.ExitCode}). " +
                "The npm registry refused or could not be reached (offline?), or a pinned version is gone. npm said:\n" +
                Tail(stderr.GetAwaiter().GetResult() + stdout.GetAwaiter().GetResult(), 40));
        }

        string installed = Path.Combine(target, "node_modules", "bittorrent-dht", PackageFileName);
        return File.Exists(installed)
            ? target
            : throw new NpmDhtUnavailableException($"npm install succeeded but {installed} is missing");
    }

    private static string FindSourceDirectory()
    {
        var tried = new List<string>();
        string? fromEnvironment = Environment.GetEnvironmentVariable(SourceDirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            tried.Add(fromEnvironment);
            if (HoldsSources(fromEnvironment))
            {
                return fromEnvironment;
            }
        }

        // Output inside the tree (bin/...): walk up to the repository's tests/Interop.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Interop");
            if (HoldsSources(candidate))
            {
                return candidate;
            }
        }

        tried.Add($"tests/Interop above {AppContext.BaseDirectory}");

        // Output outside the tree (--artifacts-path /tmp/...): the compiler recorded where this file
        // was, and tests/Interop sits two folders above it.
        string fromSource = Path.GetFullPath(Path.Combine(ThisFileDirectory(), "..", "..", "Interop"));
        tried.Add(fromSource);
        if (HoldsSources(fromSource))
        {
            return fromSource;
        }

        throw new NpmDhtUnavailableException(
            $"cannot find {DriverFileName} and {PackageFileName}; tried {string.Join(", ", tried)}. " +
            $"Set {SourceDirectoryVariable} to the repository's tests/Interop folder.");
    }

    private static bool HoldsSources(string dir) =>
        File.Exists(Path.Combine(dir, DriverFileName)) && File.Exists(Path.Combine(dir, PackageFileName));

    private static string ThisFileDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";

    private static string CreateTargetDirectory()
    {
        RemoveFoldersOfEndedRuns();
        string path = Directory.CreateTempSubdirectory($"{FolderPrefix}{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit: a leftover folder in /tmp is harmless.
            }
        };
        return path;
    }

    // The test host can be stopped before its exit handler has removed node_modules; the next run
    // removes folders whose process (the number in the name) is gone.
    private static void RemoveFoldersOfEndedRuns()
    {
        foreach (string dir in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            string[] parts = Path.GetFileName(dir)[FolderPrefix.Length..].Split('-');
            if (!int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's or a concurrent sweep's folder: leave it.
            }
        }
    }

    internal static string Tail(string text, int lines)
    {
        string[] all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Length <= lines ? all : all[^lines..]);
    }
}

/// <summary>The npm bittorrent-dht cannot be installed or run here (no node/npm, offline registry).</summary>
public sealed class NpmDhtUnavailableException(string message) : Exception(message);
