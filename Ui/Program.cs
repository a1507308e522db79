namespace PicoTalk.Ui;

public static class Program
{
    public static Task<int> Main(string[] args) => ConsoleEntry.RunAsync(args);
}
