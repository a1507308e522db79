namespace PicoTalk.Ui;

/// <summary>Binds <see cref="PicotalkCommandLine"/> to the process: console writers, environment, Ctrl-C.</summary>
public static class ConsoleEntry
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var interrupted = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // Let the command finish cleanly (events exits 0) instead of the runtime killing us.
            e.Cancel = true;
            interrupted.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            if (Web.UiOptions.IsUiCommand(args, out var uiArgs))
            {
                return await Web.UiCommand.RunAsync(uiArgs, Console.Out, Console.Error, Environment.GetEnvironmentVariable, interrupted.Token).ConfigureAwait(false);
            }

            var cli = new PicotalkCommandLine(Console.Out, Console.Error, Environment.GetEnvironmentVariable, TimeProvider.System);
            return await cli.RunAsync(args, interrupted.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
