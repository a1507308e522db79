using System.Text.RegularExpressions;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Packaging.Tests;

/// <summary>The .deb installed with apt into a fresh Debian bookworm rootfs (issue 8, "Done when" 1):
/// enabled units, users and groups, directories with owners and modes, the default config,
/// `systemd-analyze verify` on the installed units, and the installed picotalkd's ready line.</summary>
[Collection(PackagingCollection.Name)]
public sealed partial class DebInstallTests(PackageFixture package)
{
    [PackagingFact]
    public async Task InstallsWithEnabledUnitsUsersDirectoriesAndADaemonThatStarts()
    {
        using var rootfs = await DebianRootfs.CreateAsync();
        // As the image does before it installs the package: the web page's unit names /usr/bin/dotnet.
        await rootfs.CopyDotnetRuntimeAsync();
        var install = await rootfs.InstallAsync(package.Deb);

        // Enabled: deb-systemd-helper's symlinks for WantedBy=multi-user.target, to the installed units.
        foreach (string unit in new[] { "picotalkd.service", "picotalk-ui.service" })
        {
            var link = new FileInfo(rootfs.HostPath($"/etc/systemd/system/multi-user.target.wants/{unit}"));
            Assert.True(link.LinkTarget is not null, $"{unit} is not enabled (no symlink in multi-user.target.wants):\n{install.Output}");
            Assert.Matches($"^(/usr)?/lib/systemd/system/{Regex.Escape(unit)}$", link.LinkTarget);
            Assert.True(File.Exists(rootfs.HostPath(link.LinkTarget)), $"{unit} links to {link.LinkTarget}, which is not installed");
        }

        // Users from sysusers.d: no login shell; the daemon in gpio and audio, the web page in picotalkd's group.
        string passwd = await File.ReadAllTextAsync(rootfs.HostPath("/etc/passwd"));
        string group = await File.ReadAllTextAsync(rootfs.HostPath("/etc/group"));
        Assert.Matches(@"(?m)^picotalkd:x:\d+:\d+:PicoTalk intercom daemon:/:/usr/sbin/nologin$", passwd);
        Assert.Matches(@"(?m)^picotalk-ui:x:\d+:\d+:PicoTalk intercom web page:/:/usr/sbin/nologin$", passwd);
        Assert.Matches(@"(?m)^gpio:x:\d+:picotalkd$", group);
        Assert.Matches(@"(?m)^audio:x:29:picotalkd$", group);
        Assert.Matches(@"(?m)^picotalkd:x:\d+:picotalk-ui$", group);

        // The state directory exists before the first start (tmpfiles.d), readable by the daemon alone,
        // and holds the appliance's default config, also the daemon's alone.
        Assert.Equal("picotalkd picotalkd 700", await rootfs.OwnerAndModeAsync("/var/lib/picotalkd"));
        Assert.Equal("picotalkd picotalkd 600", await rootfs.OwnerAndModeAsync("/var/lib/picotalkd/config.json"));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Join(Repository.Root, "packaging", "config.json")),
            await File.ReadAllBytesAsync(rootfs.HostPath("/var/lib/picotalkd/config.json")));
        Assert.Equal("root root 755", await rootfs.OwnerAndModeAsync("/usr/bin/picotalkd"));
        Assert.Equal("root root 755", await rootfs.OwnerAndModeAsync("/usr/bin/picotalk"));

        // The installed units as the rootfs's own systemd reads them (systemd-analyze(1) verify).
        var verify = await rootfs.RunAsync("systemd-analyze", "verify",
            "/usr/lib/systemd/system/picotalkd.service", "/usr/lib/systemd/system/picotalk-ui.service");
        Assert.True(verify.ExitCode == 0 && verify.Output.Trim().Length == 0, $"systemd-analyze verify:\n{verify.Output}");

        // The installed daemon, as its own user, against a temp state dir with simulated hardware.
        var start = new System.Diagnostics.ProcessStartInfo("systemd-nspawn");
        foreach (string arg in rootfs.NspawnArguments(["--user=picotalkd"]))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string arg in new[] { "/usr/bin/picotalkd", "--state-dir", "/tmp/state", "--port", "0", "--audio-in", "sim", "--audio-out", "sim", "--gpio", "sim", "--no-lan-discovery" })
        {
            start.ArgumentList.Add(arg);
        }

        await using var daemon = ChildProcess.Start(start, "installed picotalkd");
        var ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60));
        Assert.Equal("/tmp/state/control.sock", ready.Groups["control"].Value);
    }

    [GeneratedRegex(@"^ready id=[0-9a-f]{40} udp=\d+ control=(?<control>\S+)$")]
    private static partial Regex ReadyLine();
}
