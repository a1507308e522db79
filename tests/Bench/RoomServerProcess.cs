using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PicoTalk.Bench;

/// <summary>The bench parent's handle on <see cref="RoomServerHost"/>: starts it, reads its ports, its CPU (/proc) and its tick timings.</summary>
internal sealed partial class RoomServerProcess : IDisposable
{
    private readonly Process _process;

    private RoomServerProcess(Process process, int tcpPort)
    {
        _process = process;
        TcpPort = tcpPort;
        Meter = new ProcessMeter(process.Id);
    }

    public int TcpPort { get; }

    public ProcessMeter Meter { get; }

    public static RoomServerProcess Start()
    {
        // This same bench, run by the same dotnet host: JIT-compiled, as picotalkd.dll runs beside it.
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(RoomServerProcess).Assembly.Location);
        start.ArgumentList.Add("rooms");
        start.ArgumentList.Add(RoomServerHost.Flag);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the room server host");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"room server: {line}");
            }
        };
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30) && process.StandardOutput.ReadLine() is { } line)
        {
            if (ReadyLine().Match(line) is { Success: true } m)
            {
                return new RoomServerProcess(process, int.Parse(m.Groups["tcp"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        process.Kill();
        process.Dispose();
        throw new InvalidOperationException("the room server host did not print its ports");
    }

    /// <summary>Starts a measured window of mixer ticks.</summary>
    public void Reset() => _process.StandardInput.WriteLine("reset");

    /// <summary>The ticks since <see cref="Reset"/>.</summary>
    public TickStats Stats()
    {
        _process.StandardInput.WriteLine("stats");
        string line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the room server host ended");
        return TickStats.Parse(line);
    }

    public void Dispose()
    {
        // End of input stops the host; kill it only if it does not stop by itself.
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5_000))
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^room-host tcp=(?<tcp>\d+) udp=(?<udp>\d+)$")]
    private static partial Regex ReadyLine();
}
