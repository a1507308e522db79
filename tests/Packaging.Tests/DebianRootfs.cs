using System.Security.Cryptography;
using System.Text;
using PicoTalk.TestSupport;

namespace PicoTalk.Packaging.Tests;

/// <summary>
/// A throw-away Debian bookworm amd64 root file system made by mmdebstrap from the machine's Debian
/// mirror, for installing the package into and booting with systemd-nspawn (systemd-nspawn(1)).
/// The base tarball is cached in .build/rootfs under a key of everything that goes into it, so
/// only the first run (about 80 s) downloads; each test then unpacks its own copy (a few seconds).
/// </summary>
public sealed class DebianRootfs : IDisposable
{
    public const string Suite = "bookworm";

    /// <summary>What the base holds beyond minbase: systemd to boot it, and the package's Depends, so
    /// apt installs the .deb inside a container without a network.</summary>
    public static readonly IReadOnlyList<string> Packages =
        ["systemd", "systemd-sysv", "dbus", "libopus0", "libsodium23", "libspeexdsp1", "libasound2", "libstdc++6", "zlib1g"];

    private static readonly SemaphoreSlim BaseGate = new(1, 1);
    private readonly TempDirectory _directory;

    private DebianRootfs(TempDirectory directory)
    {
        _directory = directory;
    }

    /// <summary>The rootfs's / on this machine.</summary>
    public string Path => _directory.Path;

    /// <summary>Where <paramref name="inside"/> (an absolute path in the rootfs) is on this machine.</summary>
    public string HostPath(string inside) => System.IO.Path.Join(Path, inside);

    public static async Task<DebianRootfs> CreateAsync()
    {
        string tarball = await BaseTarballAsync();
        var directory = new TempDirectory("picotalk-rootfs");
        try
        {
            // GNU tar run by root keeps owners and modes (tar(1) --same-owner is its default for root).
            (await Command.RunAsync("tar", ["-C", directory.Path, "-xf", tarball], TimeSpan.FromMinutes(2))).Check();
            return new DebianRootfs(directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="args"/> in the rootfs as a container without a network
    /// (not booted: nothing but that command runs). Extra nspawn options come first.</summary>
    public async Task<CommandResult> RunAsync(IEnumerable<string> nspawnOptions, params string[] args)
    {
        var result = await Command.RunAsync("systemd-nspawn", [.. NspawnArguments(nspawnOptions), .. args], TimeSpan.FromMinutes(3));
        return result with { Output = WithoutNspawnNoise(result.Output) };
    }

    /// <summary>What nspawn says on exit where this machine's /run is not a tmpfs (no systemd here):
    /// it leaves its empty propagation directory behind, which is harmless, and says so on stderr.</summary>
    public static string WithoutNspawnNoise(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("Attempted to remove disk file system under \"/run/systemd/nspawn/propagate/", StringComparison.Ordinal)));

    public Task<CommandResult> RunAsync(params string[] args) => RunAsync([], args);

    /// <summary>The systemd-nspawn options every use here shares: quiet, no network of its own
    /// (so nothing clashes with other tests' ports), and no machined or scope unit, which need a
    /// systemd on this machine (CI containers have none).</summary>
    public IEnumerable<string> NspawnArguments(IEnumerable<string> extra) =>
        ["--quiet", "--directory", Path, "--private-network", "--register=no", "--keep-unit", .. extra];

    /// <summary>apt-get installs the .deb (and would fetch missing Depends: there is no network, so a
    /// dependency that the base does not hold fails the install).</summary>
    public async Task<CommandResult> InstallAsync(string deb)
    {
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(deb))!;
        return (await RunAsync([$"--bind-ro={directory}:/mnt/packages"],
            "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends",
            "/mnt/packages/" + System.IO.Path.GetFileName(deb))).Check();
    }

    /// <summary>Copies this machine's .NET runtime (the shared frameworks the web page runs on) to
    /// /usr/lib/dotnet with /usr/bin/dotnet beside, as image/build-image.sh installs the downloaded one.</summary>
    public async Task CopyDotnetRuntimeAsync()
    {
        string root = DotnetRoot();
        string target = HostPath("/usr/lib/dotnet");
        Directory.CreateDirectory(System.IO.Path.Join(target, "shared"));
        (await Command.RunAsync("cp", ["-a", System.IO.Path.Join(root, "dotnet"), System.IO.Path.Join(root, "host"), target], TimeSpan.FromMinutes(1))).Check();
        (await Command.RunAsync("cp", ["-a", System.IO.Path.Join(root, "shared", "Microsoft.NETCore.App"),
            System.IO.Path.Join(root, "shared", "Microsoft.AspNetCore.App"), System.IO.Path.Join(target, "shared")], TimeSpan.FromMinutes(1))).Check();
        File.CreateSymbolicLink(HostPath("/usr/bin/dotnet"), "../lib/dotnet/dotnet");
    }

    /// <summary>The installed (root-owned) owner, group and octal mode of a path in the rootfs, as names from its own /etc/passwd and /etc/group.</summary>
    public async Task<string> OwnerAndModeAsync(string inside) =>
        (await RunAsync("stat", "-c", "%U %G %a", inside)).Check().Output.Trim();

    public void Dispose() => _directory.Dispose();

    private static string DotnetRoot()
    {
        string? dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Join(dir, "dotnet")).FirstOrDefault(File.Exists);
        if (dotnet is null)
        {
            throw new FileNotFoundException("dotnet is not on PATH");
        }

        var resolved = new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true) ?? new FileInfo(dotnet);
        return System.IO.Path.GetDirectoryName(resolved.FullName)!;
    }

    private static async Task<string> BaseTarballAsync()
    {
        string mirror = HostDebianMirror();
        string recipe = $"{Suite} amd64 minbase {mirror} {string.Join(',', Packages)}";
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..12];
        string cache = System.IO.Path.Join(Repository.BuildDirectory, "rootfs");
        string tarball = System.IO.Path.Join(cache, $"{Suite}-amd64-{key}.tar");
        await BaseGate.WaitAsync();
        try
        {
            if (File.Exists(tarball))
            {
                return tarball;
            }

            Directory.CreateDirectory(cache);
            string partial = tarball + ".partial";
            File.Delete(partial);
            (await Command.RunAsync("mmdebstrap",
                ["--variant=minbase", "--architectures=amd64", "--include=" + string.Join(',', Packages), "--format=tar", Suite, partial, mirror],
                TimeSpan.FromMinutes(10))).Check();
            File.Move(partial, tarball);
            return tarball;
        }
        finally
        {
            BaseGate.Release();
        }
    }

    /// <summary>The Debian archive this machine's apt uses for bookworm (sources.list(5), both the
    /// one-line and the deb822 form), so the rootfs comes from the same mirror or proxy.</summary>
    internal static string HostDebianMirror()
    {
        var files = new List<string>();
        if (File.Exists("/etc/apt/sources.list"))
        {
            files.Add("/etc/apt/sources.list");
        }

        if (Directory.Exists("/etc/apt/sources.list.d"))
        {
            files.AddRange(Directory.GetFiles("/etc/apt/sources.list.d").Order());
        }

        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            if (file.EndsWith(".sources", StringComparison.Ordinal))
            {
                foreach (string stanza in text.Split("\n\n"))
                {
                    string? uris = Field(stanza, "URIs");
                    string? suites = Field(stanza, "Suites");
                    if (uris is not null && suites is not null && suites.Split(' ').Contains(Suite))
                    {
                        return uris.Split(' ')[0];
                    }
                }
            }
            else
            {
                foreach (string line in text.Split('\n'))
                {
                    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    // deb [options] URI SUITE COMPONENTS...
                    int uri = words.Length > 1 && words[1].StartsWith('[') ? Array.FindIndex(words, w => w.EndsWith(']')) + 1 : 1;
                    if (words.Length > uri + 1 && words[0] == "deb" && words[uri + 1] == Suite)
                    {
                        return words[uri];
                    }
                }
            }
        }

        return "http://deb.debian.org/debian";
    }

    private static string? Field(string stanza, string name) =>
        stanza.Split('\n').Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
}
