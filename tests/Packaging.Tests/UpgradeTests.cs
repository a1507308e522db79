using System.Text.RegularExpressions;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Packaging.Tests;

/// <summary>Installing version N+1 over version N (issue 8, "Done when" 4): the identity the daemon
/// made and the config an administrator changed survive byte for byte.</summary>
[Collection(PackagingCollection.Name)]
public sealed partial class UpgradeTests(PackageFixture package)
{
    [PackagingFact]
    public async Task UpgradeKeepsIdentityAndChangedConfig()
    {
        using var debs = new TempDirectory("picotalk-debs");
        string older = await package.BuildVersionAsync("0.1.0+upgrade1", debs.Path);
        string newer = await package.BuildVersionAsync("0.1.0+upgrade2", debs.Path);
        using var rootfs = await DebianRootfs.CreateAsync();
        await rootfs.InstallAsync(older);

        // The first start of the installed daemon, as the service runs it, makes the identity.
        var start = new System.Diagnostics.ProcessStartInfo("systemd-nspawn");
        foreach (string arg in rootfs.NspawnArguments(["--user=picotalkd"]).Concat(
            ["/usr/bin/picotalkd", "--port", "0", "--audio-in", "sim", "--audio-out", "sim", "--gpio", "sim", "--no-lan-discovery", "--control", "/tmp/control.sock"]))
        {
            start.ArgumentList.Add(arg);
        }

        await using (var daemon = ChildProcess.Start(start, "installed picotalkd"))
        {
            await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60));
        }

        // An administrator's change to the config (the page and `picotalk config set` write this file).
        string config = rootfs.HostPath("/var/lib/picotalkd/config.json");
        string changed = (await File.ReadAllTextAsync(config)).Replace("\"name\": \"PicoTalk\"", "\"name\": \"Front door\"", StringComparison.Ordinal);
        Assert.Contains("Front door", changed);
        await File.WriteAllTextAsync(config, changed);

        var before = Snapshot(rootfs.HostPath("/var/lib/picotalkd"));
        Assert.True(before.Count >= 2, $"the daemon left only {string.Join(", ", before.Keys)} in its state directory");

        var upgrade = await rootfs.InstallAsync(newer);
        Assert.Contains("0.1.0+upgrade2", (await rootfs.RunAsync("dpkg-query", "-W", "-f", "${Version}", "picotalk-appliance")).Check().Output);
        var after = Snapshot(rootfs.HostPath("/var/lib/picotalkd"));
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before)
        {
            Assert.True(bytes.SequenceEqual(after[name]), $"{name} changed by the upgrade:\n{upgrade.Output}");
        }

        Assert.Equal("picotalkd picotalkd 600", await rootfs.OwnerAndModeAsync("/var/lib/picotalkd/config.json"));
    }

    /// <summary>Every regular file under <paramref name="directory"/> by relative path, with its bytes.</summary>
    private static Dictionary<string, byte[]> Snapshot(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.LinkTarget is null && !f.Attributes.HasFlag(FileAttributes.Device))
            .ToDictionary(f => Path.GetRelativePath(directory, f.FullName), f => File.ReadAllBytes(f.FullName));

    [GeneratedRegex(@"^ready id=[0-9a-f]{40} ")]
    private static partial Regex ReadyLine();
}
