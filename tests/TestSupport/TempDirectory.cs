namespace PicoTalk.TestSupport;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on Dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "picotalk-test")
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside this directory (not created).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public override string ToString() => Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone (a test removed it): nothing left to clean.
        }
    }
}
