using PicoTalk.TestSupport;

namespace PicoTalk.Packaging.Tests;

/// <summary>image/firstboot.sh's steps that need no Raspberry Pi, run on a directory
/// (PICOTALK_ROOT): the picotalk-XXXX name, the daemon's default name replaced by it, and SSH
/// turned on only by a file named ssh on the boot partition.</summary>
public sealed class FirstBootTests
{
    private static readonly string Script = Path.Join(Repository.Root, "image", "firstboot.sh");

    [Fact]
    public async Task NamesTheApplianceFromTheBoardSerialNumber()
    {
        using var root = await MakeRootAsync(serial: "10000000abcd12EF\0");
        (await RunAsync(root, "hostname")).Check();
        Assert.Equal("picotalk-12ef\n", await File.ReadAllTextAsync(root.File("etc/hostname")));
        Assert.Contains("127.0.1.1\tpicotalk-12ef", await File.ReadAllTextAsync(root.File("etc/hosts")));
        Assert.Contains("\"name\": \"picotalk-12ef\"", await File.ReadAllTextAsync(root.File("var/lib/picotalkd/config.json")));
    }

    [Fact]
    public async Task NamesTheApplianceFromTheMachineIdWithoutASerialNumber()
    {
        using var root = await MakeRootAsync(serial: null);
        var name = (await RunAsync(root, "name")).Check();
        Assert.Equal("picotalk-9a7b", name.Output.Trim());
    }

    [Fact]
    public async Task KeepsAConfigNameSomeoneChose()
    {
        using var root = await MakeRootAsync(serial: null);
        string config = root.File("var/lib/picotalkd/config.json");
        await File.WriteAllTextAsync(config, "{\n  \"name\": \"Front door\"\n}\n");
        (await RunAsync(root, "hostname")).Check();
        Assert.Equal("{\n  \"name\": \"Front door\"\n}\n", await File.ReadAllTextAsync(config));
    }

    [Fact]
    public async Task TurnsSshOnOnlyWhenAskedOnTheBootPartition()
    {
        using var root = await MakeRootAsync(serial: null);
        string wanted = root.File("etc/systemd/system/multi-user.target.wants/ssh.service");
        Assert.Contains("SSH stays off", (await RunAsync(root, "ssh")).Check().Output);
        Assert.False(File.Exists(wanted) || new FileInfo(wanted).LinkTarget is not null);

        await File.WriteAllTextAsync(root.File("boot/firmware/ssh"), "");
        Assert.Contains("SSH turned on", (await RunAsync(root, "ssh")).Check().Output);
        Assert.Equal("/lib/systemd/system/ssh.service", new FileInfo(wanted).LinkTarget);
        Assert.False(File.Exists(root.File("boot/firmware/ssh")));
    }

    private static Task<CommandResult> RunAsync(TempDirectory root, string step) =>
        Command.RunAsync("sh", [Script, step], TimeSpan.FromSeconds(30), environment: new Dictionary<string, string> { ["PICOTALK_ROOT"] = root.Path });

    private static async Task<TempDirectory> MakeRootAsync(string? serial)
    {
        var root = new TempDirectory("picotalk-firstboot");
        foreach (string dir in new[] { "etc/systemd/system/multi-user.target.wants", "boot/firmware", "var/lib/picotalkd", "proc/device-tree" })
        {
            Directory.CreateDirectory(root.File(dir));
        }

        await File.WriteAllTextAsync(root.File("etc/machine-id"), "5d1e2c3b4a5f60718293a4b5c6d79a7b\n");
        await File.WriteAllTextAsync(root.File("etc/hostname"), "picotalk\n");
        await File.WriteAllTextAsync(root.File("etc/hosts"), "127.0.0.1\tlocalhost\n127.0.1.1\tpicotalk\n");
        File.Copy(Path.Join(Repository.Root, "packaging", "config.json"), root.File("var/lib/picotalkd/config.json"));
        if (serial is not null)
        {
            await File.WriteAllTextAsync(root.File("proc/device-tree/serial-number"), serial);
        }

        return root;
    }
}
