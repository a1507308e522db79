using System.Diagnostics;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// Runs the administration tools the lab is made of (<c>ip</c>, <c>nft</c>, <c>sysctl</c>) and the
/// programs tests start inside namespaces, always with the output captured.
/// </summary>
internal static class LabCommand
{
    /// <summary>An <c>ip</c> or <c>nft</c> call takes milliseconds; this only stops a hang.</summary>
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(20);

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>Runs a tool and throws, with what it printed, when it fails.</summary>
    public static ProcessResult Check(string file, IEnumerable<string> args, string? stdin = null)
    {
        var start = StartInfo(file, args);
        var result = RunAsync(start, stdin, ToolTimeout, CancellationToken.None).GetAwaiter().GetResult();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"`{file} {string.Join(' ', start.ArgumentList)}` failed: {result}" + (stdin is null ? "" : $"\ninput:\n{stdin}"));
        }

        return result;
    }

    /// <summary>Runs a tool and reports its result without judging it (cleanup, probes).</summary>
    public static ProcessResult TryRun(string file, IEnumerable<string> args, string? stdin = null)
    {
        try
        {
            return RunAsync(StartInfo(file, args), stdin, ToolTimeout, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return new ProcessResult(-1, "", e.Message);
        }
    }

    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, string? stdin, TimeSpan timeout, CancellationToken cancel)
    {
        start.RedirectStandardInput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancel.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"`{start.FileName} {string.Join(' ', start.ArgumentList)}` did not finish within {timeout.TotalSeconds} s; " +
                $"stdout: {await stdout}\nstderr: {await stderr}");
        }

        return new ProcessResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }
}
