using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Systemd;

/// <summary>
/// The files in <c>systemd/</c>, checked by systemd's own tools (Debian package <c>systemd</c>;
/// systemd is not PID 1 here, and none of these needs it to be).
/// </summary>
public sealed partial class SystemdUnitTests
{
    /// <summary>The issue's bar: "OK" or safer on systemd-analyze's 0 (safe) to 10 (unsafe) scale.</summary>
    private const double MaxExposure = 2.5;

    private static readonly string[] UnitSuffixes = [".service", ".socket", ".timer", ".path", ".target", ".mount"];

    [Fact]
    public async Task Every_unit_passes_systemd_analyze_verify_without_a_warning()
    {
        var units = Directory.EnumerateFiles(SystemdFolder())
            .Where(f => UnitSuffixes.Contains(Path.GetExtension(f)))
            .ToList();
        Assert.NotEmpty(units);
        using var scratch = new TempDirectory("picotalk-units");
        // verify checks that ExecStart= names an executable file, and /usr/bin/picotalkd exists only
        // once the .deb is installed. --root= would make verify load every unit (sysinit.target on)
        // from that root, so instead a copy of the unit runs a stand-in at a scratch path; every
        // other line is verified as written.
        string standIn = scratch.File("picotalkd");
        File.Copy("/bin/true", standIn);
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        foreach (string unit in units)
        {
            string[] lines = await File.ReadAllLinesAsync(unit);
            int execs = 0;
            string[] copy = lines.Select(line =>
            {
                if (!line.StartsWith("ExecStart=/usr/bin/picotalkd", StringComparison.Ordinal))
                {
                    return line;
                }

                execs++;
                return "ExecStart=" + standIn + line["ExecStart=/usr/bin/picotalkd".Length..];
            }).ToArray();
            Assert.True(execs <= 1, $"{unit}: {execs} ExecStart lines for picotalkd");
            string checkedCopy = scratch.File(Path.GetFileName(unit));
            await File.WriteAllLinesAsync(checkedCopy, copy);

            var result = await RunAsync("systemd-analyze", "verify", checkedCopy);
            // verify exits 0 on an unknown or misspelt key and only prints "Unknown key ... ignoring",
            // so a clean run is one that says nothing at all.
            Assert.True(result.ExitCode == 0 && result.Stdout.Length == 0 && result.Stderr.Length == 0,
                $"systemd-analyze verify {Path.GetFileName(unit)}: {result}");
        }
    }

    [Fact]
    public async Task The_service_is_rated_OK_or_safer_by_systemd_analyze_security()
    {
        string unit = Path.Combine(SystemdFolder(), "picotalkd.service");
        var result = await RunAsync("systemd-analyze", "security", "--offline=true", "--no-pager", unit);
        Assert.True(result.ExitCode == 0, result.ToString());
        var overall = OverallExposure().Match(result.Stdout);
        Assert.True(overall.Success, $"no overall exposure line in:\n{result}");
        double exposure = double.Parse(overall.Groups["level"].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= MaxExposure,
            $"exposure {exposure} ({overall.Groups["rating"].Value}) above {MaxExposure}:\n{result.Stdout}");
    }

    [Fact]
    public void The_service_is_a_notify_daemon_with_a_watchdog_that_restarts_it()
    {
        // What Program.cs and the .deb rely on, and what systemd-analyze does not judge.
        var settings = ReadSettings(Path.Combine(SystemdFolder(), "picotalkd.service"));
        Assert.Equal(["notify"], settings["Type"]);
        Assert.Equal(["main"], settings["NotifyAccess"]);
        Assert.Equal(["/usr/bin/picotalkd"], settings["ExecStart"]);
        Assert.Equal(["30"], settings["WatchdogSec"]);
        Assert.Equal(["on-failure"], settings["Restart"]);
        Assert.Equal(["picotalkd"], settings["User"]);
        Assert.Equal(["gpio audio"], settings["SupplementaryGroups"]);
        Assert.Equal(["picotalkd"], settings["StateDirectory"]);
        Assert.Equal(["picotalkd"], settings["RuntimeDirectory"]);
        Assert.Equal(["closed"], settings["DevicePolicy"]);
        Assert.Equal(["char-gpiochip rw", "char-alsa rw"], settings["DeviceAllow"]);
    }

    [Fact]
    public async Task The_sysusers_snippet_creates_the_user_and_joins_the_device_groups()
    {
        using var root = new TempDirectory("picotalk-sysusers");
        Directory.CreateDirectory(root.File("etc"));
        // As on Debian: audio exists (base-passwd, GID 29), gpio does not.
        await File.WriteAllTextAsync(root.File("etc/group"), "root:x:0:\naudio:x:29:\n");
        await File.WriteAllTextAsync(root.File("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        string snippet = Path.Combine(SystemdFolder(), "picotalkd.sysusers");

        var result = await RunAsync("systemd-sysusers", "--root=" + root.Path, snippet);
        Assert.True(result.ExitCode == 0, result.ToString());

        var users = ReadColonFile(root.File("etc/passwd"));
        var groups = ReadColonFile(root.File("etc/group"));
        var user = users["picotalkd"];
        Assert.Equal("/usr/sbin/nologin", user[6]);
        Assert.True(int.Parse(user[2], CultureInfo.InvariantCulture) is > 0 and < 1000, $"UID {user[2]} is not a system UID");
        Assert.Equal(groups["picotalkd"][2], user[3]);
        Assert.Equal("29", groups["audio"][2]);
        Assert.Equal("picotalkd", groups["audio"][3]);
        Assert.Equal("picotalkd", groups["gpio"][3]);

        // Applying it again (every boot) changes nothing.
        string before = await File.ReadAllTextAsync(root.File("etc/group"));
        Assert.Equal(0, (await RunAsync("systemd-sysusers", "--root=" + root.Path, snippet)).ExitCode);
        Assert.Equal(before, await File.ReadAllTextAsync(root.File("etc/group")));
    }

    [GeneratedRegex(@"Overall exposure level for picotalkd\.service: (?<level>\d+\.\d+) (?<rating>[A-Z]+)")]
    private static partial Regex OverallExposure();

    /// <summary>Key to values, in order, of a unit file's assignments (comments and sections aside).</summary>
    private static Dictionary<string, List<string>> ReadSettings(string unit)
    {
        var settings = new Dictionary<string, List<string>>();
        foreach (string raw in File.ReadLines(unit))
        {
            string line = raw.Trim();
            int equals = line.IndexOf('=');
            if (line.Length == 0 || line[0] is '#' or ';' or '[' || equals < 0)
            {
                continue;
            }

            string key = line[..equals];
            if (!settings.TryGetValue(key, out var values))
            {
                settings[key] = values = new List<string>();
            }

            values.Add(line[(equals + 1)..]);
        }

        return settings;
    }

    /// <summary>/etc/passwd or /etc/group: name to fields.</summary>
    private static Dictionary<string, string[]> ReadColonFile(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => l.Split(':')).ToDictionary(f => f[0]);

    /// <summary>The repository's systemd/ folder, found upwards from the test assembly.</summary>
    private static string SystemdFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "systemd", "picotalkd.service");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate)!;
            }
        }

        throw new DirectoryNotFoundException($"no systemd/picotalkd.service above {AppContext.BaseDirectory}");
    }

    private static async Task<ToolResult> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed (apt-get install systemd): {e.Message}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(cts.Token);
            return new ToolResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
        }
    }

    private sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }
}
