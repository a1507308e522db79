using System.Diagnostics;
using System.Text.RegularExpressions;
using PicoTalk.TestSupport.Net;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// A real <c>picotalkd</c> process for integration tests: started from the build output with
/// <c>--port 0</c> (TestSupport's <see cref="ChildProcess"/> reads its output and stops it with
/// SIGTERM, SIGKILL if it hangs), with what its ready line says.
/// </summary>
public sealed partial class DaemonProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private DaemonProcess(ChildProcess process, string stateDirectory)
    {
        _process = process;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }

    public string Id { get; private set; } = "";

    public int UdpPort { get; private set; }

    public string ControlPath { get; private set; } = "";

    public int ProcessId => _process.ProcessId;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the daemon printed so far (for failure messages).</summary>
    public string Output => _process.Output;

    /// <summary>Writes the config file a daemon started on <paramref name="stateDirectory"/> reads
    /// (keys left out keep their defaults).</summary>
    public static void WriteConfig(string stateDirectory, string json)
    {
        Directory.CreateDirectory(stateDirectory);
        File.WriteAllText(Path.Combine(stateDirectory, "config.json"), json);
    }

    public static Task<DaemonProcess> StartAsync(string stateDirectory, params string[] extraArgs) =>
        StartAsync(stateDirectory, new Dictionary<string, string>(), extraArgs);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with <paramref name="environment"/> added
    /// to the daemon's environment (for example ALSA_CONFIG_PATH, which libasound reads).</summary>
    public static async Task<DaemonProcess> StartAsync(string stateDirectory, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        Directory.CreateDirectory(stateDirectory);
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(BuildOutput.Daemon);
        // LAN discovery stays on loopback: this machine has a real network interface, and tests
        // must never announce anything beyond it.
        var safety = extraArgs.Contains("--no-lan-discovery") || extraArgs.Contains("--lan-interfaces")
            ? Array.Empty<string>()
            : ["--lan-interfaces", "lo"];
        foreach (string arg in new[] { "--state-dir", stateDirectory, "--port", "0", "--bind", "127.0.0.1",
                     "--control", Path.Combine(stateDirectory, "control.sock") }.Concat(safety).Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return await StartAsync(start, stateDirectory);
    }

    /// <summary>
    /// A daemon inside a lab namespace (<see cref="LabNamespace.CreateStartInfo"/>: <c>ip netns exec</c>
    /// execs it, so the process is the daemon itself), bound to every IPv4 address there. Its control
    /// socket is a path in <paramref name="stateDirectory"/>, so <c>picotalk</c> reaches it from the
    /// test's own namespace. LAN discovery is off unless <paramref name="extraArgs"/> names interfaces.
    /// </summary>
    public static Task<DaemonProcess> StartInAsync(LabNamespace host, string stateDirectory, params string[] extraArgs)
    {
        Directory.CreateDirectory(stateDirectory);
        var safety = extraArgs.Contains("--lan-interfaces") ? Array.Empty<string>() : ["--no-lan-discovery"];
        string[] args = [BuildOutput.Daemon, "--state-dir", stateDirectory, "--port", "0", "--bind", "0.0.0.0",
            "--control", Path.Combine(stateDirectory, "control.sock"), "--audio-in", "silence", "--audio-out", "null",
            .. safety, .. extraArgs];
        // The lab's LabCommand.StartInfo finds "dotnet" on PATH and also redirects stdin, which stays open.
        return StartAsync(host.CreateStartInfo("dotnet", args), stateDirectory);
    }

    private static async Task<DaemonProcess> StartAsync(ProcessStartInfo start, string stateDirectory)
    {
        var daemon = new DaemonProcess(ChildProcess.Start(start, "picotalkd"), stateDirectory);
        var ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        daemon.Id = ready.Groups["id"].Value;
        daemon.UdpPort = int.Parse(ready.Groups["udp"].Value);
        daemon.ControlPath = ready.Groups["control"].Value;
        return daemon;
    }

    [GeneratedRegex(@"^ready id=(?<id>[0-9a-f]{40}) udp=(?<udp>\d+) control=(?<control>\S+)$")]
    private static partial Regex ReadyLine();

    public Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout) => _process.WaitForLineAsync(pattern, timeout);

    /// <summary>Runs the <c>picotalk</c> client against this daemon.</summary>
    public Task<CliResult> CliAsync(params string[] args) => Cli.RunAsync(["--control", ControlPath, .. args]);

    /// <summary>SIGTERM, as systemd stops it; the exit code it returned.</summary>
    public Task<int> StopAsync(TimeSpan timeout) => _process.StopAsync(timeout);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real <c>picotalk</c> command line client as a process.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuildOutput.Client);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return new CliResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }
}
