namespace PicoTalk.Ui.Web;

/// <summary><c>picotalk ui ...</c>: parses its options, serves until Ctrl-C or SIGTERM.</summary>
internal static class UiCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr,
        Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            stdout.WriteLine(UiOptions.Usage);
            return ExitCodes.Ok;
        }

        if (!UiOptions.TryParse(args, environment, out var options, out string error))
        {
            stderr.WriteLine($"picotalk: {error}");
            stderr.WriteLine("run 'picotalk ui --help' for usage");
            return ExitCodes.UsageOrNoDaemon;
        }

        var writeLock = new Lock();
        void Log(string line)
        {
            lock (writeLock)
            {
                stdout.WriteLine(line);
                stdout.Flush();
            }
        }

        UiServer server;
        try
        {
            server = await UiServer.StartAsync(options!, TimeProvider.System, Log, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
        {
            // IOException covers "address already in use" from Kestrel.
            stderr.WriteLine($"picotalk: ui: {e.Message}");
            return ExitCodes.UsageOrNoDaemon;
        }

        await using (server.ConfigureAwait(false))
        {
            foreach (string url in server.Urls)
            {
                Log($"ui listening on {url}");
            }

            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
