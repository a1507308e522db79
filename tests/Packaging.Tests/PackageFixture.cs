namespace PicoTalk.Packaging.Tests;

/// <summary>The amd64 .deb as `./build.sh deb amd64` builds it (NativeAOT daemon, client, lintian),
/// built once for every packaging test; <see cref="BuildVersionAsync"/> repackages the same files
/// under another version for the upgrade test.</summary>
public sealed class PackageFixture : IAsyncLifetime
{
    public string Deb { get; private set; } = "";

    public string LintianOutput { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!string.IsNullOrEmpty(new PackagingFactAttribute().Skip))
        {
            return;
        }

        var result = (await Command.RunAsync(Path.Join(Repository.Root, "build.sh"), ["deb", "amd64"], TimeSpan.FromMinutes(15), Repository.Root)).Check();
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Deb = lines[^1];
        LintianOutput = result.Output;
        if (!File.Exists(Deb))
        {
            throw new FileNotFoundException($"./build.sh deb did not end with the path of a .deb:\n{result.Output}", Deb);
        }
    }

    /// <summary>The package of the same files as <see cref="Deb"/> at <paramref name="version"/>, built in <paramref name="directory"/>.</summary>
    public async Task<string> BuildVersionAsync(string version, string directory)
    {
        var result = (await Command.RunAsync(Path.Join(Repository.Root, "packaging", "build-deb.sh"),
            ["--arch", "amd64", "--version", version, "--daemon", Path.Join(Repository.BuildDirectory, "publish-linux-x64", "picotalkd"),
             "--ui", Path.Join(Repository.BuildDirectory, "ui-publish"), "--out", directory], TimeSpan.FromMinutes(2), Repository.Root)).Check();
        return result.Output.Trim();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackageFixture>
{
    /// <summary>One collection: the tests run one after another (each unpacks and boots a rootfs
    /// on a machine with two cores) and share the package.</summary>
    public const string Name = "Packaging";
}
