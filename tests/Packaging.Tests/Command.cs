using System.Diagnostics;
using System.Text;

namespace PicoTalk.Packaging.Tests;

/// <summary>One finished run of a program: its exit code and everything it printed.</summary>
public sealed record CommandResult(string Program, int ExitCode, string Output)
{
    /// <summary>This result, or an exception carrying the whole output if the exit code is not 0.</summary>
    public CommandResult Check() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{Program} exited with {ExitCode}:\n{Output}");
}

/// <summary>Runs a program to its end with stdout and stderr captured together and a deadline (the
/// packaging tests run dpkg, apt, mmdebstrap and systemd-nspawn, which all end by themselves).</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("JOURNAL_STREAM");
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        // Nothing reads stdin (mmdebstrap would take a closed-over pipe for a sources list).
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s:\n{output}");
            }
        }

        lock (output)
        {
            return new CommandResult($"{program} {string.Join(' ', args)}", process.ExitCode, output.ToString());
        }
    }

    public static Task<CommandResult> RunAsync(string program, params string[] args) =>
        RunAsync(program, args, TimeSpan.FromMinutes(5));
}
