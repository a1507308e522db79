using System.Diagnostics;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Packaging.Tests;

/// <summary>
/// A rootfs booted by <c>systemd-nspawn --boot</c>: its own systemd as PID 1, in its own network
/// namespace (only loopback, so port 8080 and UDP 5004 are its own). Commands run in it through
/// nsenter(1) into the namespaces of its PID 1, which needs no machined on this machine. Disposal
/// sends nspawn SIGTERM, which it passes on as a clean shutdown (SIGRTMIN+3 to the container's systemd).
/// </summary>
public sealed class BootedContainer : IAsyncDisposable
{
    private readonly ChildProcess _nspawn;

    private BootedContainer(ChildProcess nspawn, int leader)
    {
        _nspawn = nspawn;
        Leader = leader;
    }

    /// <summary>The container's PID 1 (its systemd) as this machine numbers it.</summary>
    public int Leader { get; }

    /// <summary>The boot's console output so far (for failure messages).</summary>
    public string Console => _nspawn.Output;

    public static async Task<BootedContainer> BootAsync(DebianRootfs rootfs, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("systemd-nspawn");
        foreach (string arg in rootfs.NspawnArguments(["--boot", "--console=pipe"]))
        {
            start.ArgumentList.Add(arg);
        }

        var nspawn = ChildProcess.Start(start, "systemd-nspawn --boot");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !nspawn.HasExited)
        {
            // nspawn forks the container's init as its child (/proc/PID/task/TID/children, proc(5)).
            string children = File.ReadAllText($"/proc/{nspawn.ProcessId}/task/{nspawn.ProcessId}/children").Trim();
            foreach (string child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (File.ReadAllText($"/proc/{child}/comm").Trim() == "systemd")
                {
                    return new BootedContainer(nspawn, int.Parse(child, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            await Task.Delay(100);
        }

        string output = nspawn.Output;
        await nspawn.DisposeAsync();
        throw new TimeoutException($"no systemd started in the container within {timeout.TotalSeconds} s:\n{output}");
    }

    /// <summary>Runs a command of the container (its file system, PID, network, IPC and UTS namespaces).</summary>
    public Task<CommandResult> ExecAsync(params string[] args) =>
        Command.RunAsync("nsenter", ["--target", Leader.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--uts", "--ipc", "--net", "--pid", .. args], TimeSpan.FromSeconds(30));

    /// <summary>Runs this machine's <paramref name="program"/> in the container's network namespace only
    /// (curl from here reaching the container's 127.0.0.1).</summary>
    public Task<CommandResult> InNetworkAsync(string program, params string[] args) =>
        Command.RunAsync("nsenter", ["--target", Leader.ToString(System.Globalization.CultureInfo.InvariantCulture), "--net", program, .. args], TimeSpan.FromSeconds(30));

    /// <summary><c>systemctl show UNIT -p NAME</c>'s value.</summary>
    public async Task<string> UnitPropertyAsync(string unit, string property) =>
        (await ExecAsync("systemctl", "show", unit, "-p", property, "--value")).Output.Trim();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _nspawn.StopAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Killed with its process tree by StopAsync; the test has its answer already.
        }

        await _nspawn.DisposeAsync();
    }
}
