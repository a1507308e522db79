namespace PicoTalk.TestSupport.Processes;

/// <summary>Where the built <c>picotalkd</c> and <c>picotalk</c> are: copied next to the test
/// assembly by a test project's references to Service and Ui.</summary>
public static class BuildOutput
{
    public static string Daemon => Find("picotalkd.dll");

    public static string Client => Find("picotalk.dll");

    private static string Find(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not beside the tests; build the solution first", path);
    }
}
