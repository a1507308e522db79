using System.Text.Json;
using PicoTalk.TestSupport;

namespace PicoTalk.Packaging.Tests;

/// <summary>The steps of image/build-image.sh that run on this machine without arm64 emulation
/// or the internet (issue 8, "Done when" 3): the runtime download stops with what to do, a tarball
/// without the pinned SHA-512 is refused, and a rootfs directory becomes a Raspberry Pi disk image.</summary>
public sealed class ImageRecipeTests
{
    private static readonly string Recipe = Path.Join(Repository.Root, "image", "build-image.sh");

    [PackagingFact]
    public async Task RuntimeDownloadThatFailsStopsWithWhatToDo()
    {
        // A closed port on loopback: the download fails at once, as it does on a machine without
        // internet; an empty cache of its own, so a runtime fetched earlier is not found instead.
        using var cache = new TempDirectory("picotalk-image-cache");
        var result = await Command.RunAsync(Recipe, ["fetch-dotnet"], TimeSpan.FromMinutes(2), Repository.Root,
            new Dictionary<string, string> { ["PICOTALK_DOTNET_URL"] = "http://127.0.0.1:9/aspnetcore-runtime.tar.gz", ["PICOTALK_IMAGE_CACHE"] = cache.Path });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot download the ASP.NET Core runtime", result.Output);
        Assert.Contains("--dotnet-tarball", result.Output);
        Assert.Matches("SHA-512 must be [0-9a-f]{128}", result.Output);
    }

    [PackagingFact]
    public async Task RuntimeTarballWithoutThePinnedHashIsRefused()
    {
        using var dir = new TempDirectory("picotalk-image");
        string fake = dir.File("aspnetcore-runtime.tar.gz");
        await File.WriteAllTextAsync(fake, "not the runtime");
        using var cache = new TempDirectory("picotalk-image-cache");
        var result = await Command.RunAsync(Recipe, ["fetch-dotnet", fake], TimeSpan.FromMinutes(1), Repository.Root,
            new Dictionary<string, string> { ["PICOTALK_IMAGE_CACHE"] = cache.Path });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not have the pinned SHA-512", result.Output);
        // Nothing is left in the cache for the next build to take.
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [PackagingFact]
    public async Task RootDirectoryBecomesAnImageWithFirmwareAndRootPartitions()
    {
        using var dir = new TempDirectory("picotalk-image");
        string root = dir.File("root");
        Directory.CreateDirectory(Path.Join(root, "boot", "firmware"));
        Directory.CreateDirectory(Path.Join(root, "etc"));
        Directory.CreateDirectory(Path.Join(root, "var", "lib", "picotalkd"));
        await File.WriteAllTextAsync(Path.Join(root, "boot", "firmware", "config.txt"), "arm_64bit=1\n");
        await File.WriteAllTextAsync(Path.Join(root, "etc", "hostname"), "picotalk\n");
        await File.WriteAllTextAsync(Path.Join(root, "var", "lib", "picotalkd", "config.json"), "{}\n");
        (await Command.RunAsync("chown", "-R", "996:996", Path.Join(root, "var", "lib", "picotalkd"))).Check();
        (await Command.RunAsync("chmod", "0700", Path.Join(root, "var", "lib", "picotalkd"))).Check();
        string image = dir.File("picotalk.img");

        (await Command.RunAsync(Recipe, ["assemble", root, image], TimeSpan.FromMinutes(3), Repository.Root)).Check();

        // sfdisk(8) --json: an MBR with the bootable FAT32 (LBA) partition at 8 MiB and Linux after it.
        using var table = JsonDocument.Parse((await Command.RunAsync("sfdisk", "--json", image)).Check().Output);
        var parts = table.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray().ToArray();
        Assert.Equal("dos", table.RootElement.GetProperty("partitiontable").GetProperty("label").GetString());
        Assert.Equal(2, parts.Length);
        Assert.Equal(8 * 2048, parts[0].GetProperty("start").GetInt64());
        Assert.Equal("c", parts[0].GetProperty("type").GetString());
        Assert.True(parts[0].TryGetProperty("bootable", out var bootable) && bootable.GetBoolean());
        Assert.Equal((8 + 256) * 2048, parts[1].GetProperty("start").GetInt64());
        Assert.Equal("83", parts[1].GetProperty("type").GetString());
        Assert.Equal(2048L * 1024 * 1024 / 512, parts[1].GetProperty("start").GetInt64() + parts[1].GetProperty("size").GetInt64());

        // The FAT partition holds the firmware files (mtools read it at its byte offset, mtools(1) "@@").
        var config = (await Command.RunAsync("mtype", "-i", $"{image}@@{8 * 1024 * 1024}", "::/config.txt")).Check();
        Assert.Equal("arm_64bit=1", config.Output.Trim());

        // The ext4 root keeps owners and modes, and not the firmware files (mounted over it at boot).
        string rootImage = dir.File("root.img");
        (await Command.RunAsync("dd", $"if={image}", $"of={rootImage}", "bs=1M", "skip=264", "status=none")).Check();
        Assert.Equal("picotalk", (await Command.RunAsync("debugfs", "-R", "cat /etc/hostname", rootImage)).Check().Output.Split('\n').Last(l => l.Length > 0).Trim());
        var stat = (await Command.RunAsync("debugfs", "-R", "stat /var/lib/picotalkd", rootImage)).Check().Output;
        Assert.Matches(@"User:\s+996\s+Group:\s+996", stat);
        Assert.Matches(@"Mode:\s+0700", stat);
        var firmwareDir = (await Command.RunAsync("debugfs", "-R", "ls /boot/firmware", rootImage)).Check().Output;
        Assert.DoesNotContain("config.txt", firmwareDir);
        var label = (await Command.RunAsync("dumpe2fs", "-h", rootImage)).Check().Output;
        Assert.Matches(@"Filesystem volume name:\s+picotalk-root", label);
    }
}
