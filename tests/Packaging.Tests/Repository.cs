namespace PicoTalk.Packaging.Tests;

/// <summary>Where the repository is: the directory above the test assembly that holds build.sh.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string BuildDirectory => Path.Combine(Root, ".build");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && File.Exists(Path.Combine(dir.FullName, "picotalk-appliance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no build.sh above {AppContext.BaseDirectory}");
    }
}
