using System.Text.RegularExpressions;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Processes;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// One appliance as a user meets it: a real <c>picotalkd</c> (silent microphone, no speaker, no LAN
/// discovery, loopback only) and its <c>picotalk ui</c> process on a free loopback port, in a temp
/// directory of their own. Either process can be stopped and started again on the same state
/// directory and control socket, as systemd restarts them.
/// </summary>
public sealed partial class Appliance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _root;
    private readonly string[] _daemonArgs;
    private ChildProcess? _daemon;
    private ChildProcess? _ui;
    private readonly List<string> _stoppedOutput = new();

    private Appliance(string label, string[] daemonArgs)
    {
        _root = new TempDirectory("picotalk-browser-" + label);
        _daemonArgs = daemonArgs;
    }

    public string DaemonStateDirectory => _root.File("daemon");

    public string UiStateDirectory => _root.File("ui");

    /// <summary>The control socket; the same path across restarts, so the UI finds the daemon again.</summary>
    public string ControlPath => _root.File("control.sock");

    /// <summary>The daemon's 40-hex ID (from its <c>ready</c> line).</summary>
    public string Id { get; private set; } = "";

    public int UdpPort { get; private set; }

    /// <summary>The page's origin, <c>http://127.0.0.1:PORT</c> (a new port after a UI restart).</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public ChildProcess? Ui => _ui;

    /// <summary>What the running daemon printed so far (its start-up lines, such as the room server's).</summary>
    public string DaemonOutput => _daemon?.Output ?? "";

    /// <summary>Where the first-boot set-up code is written (mode 0600), deleted once set up.</summary>
    public string SetupCodePath => Path.Combine(UiStateDirectory, "setup-code");

    public string ReadSetupCode() => File.ReadAllText(SetupCodePath).Trim();

    /// <summary>Starts the daemon, then the UI; <paramref name="bootstrap"/> is another appliance's DHT
    /// node to join (LAN discovery is off, so the DHT is how one finds the other by ID);
    /// <paramref name="daemonArgs"/> go to picotalkd as well (<c>--room-server</c>, ...).</summary>
    public static async Task<Appliance> StartAsync(string label, Appliance? bootstrap = null, string[]? daemonArgs = null)
    {
        string[] args = [.. bootstrap is null ? [] : new[] { "--bootstrap", $"127.0.0.1:{bootstrap.UdpPort}" }, .. daemonArgs ?? []];
        var appliance = new Appliance(label, args);
        try
        {
            await appliance.StartDaemonAsync();
            await appliance.StartUiAsync();
            return appliance;
        }
        catch
        {
            await appliance.DisposeAsync();
            throw;
        }
    }

    public async Task StartDaemonAsync()
    {
        Directory.CreateDirectory(DaemonStateDirectory);
        _daemon = ChildProcess.StartDotnet("picotalkd", BuildOutput.Daemon,
        [
            "--state-dir", DaemonStateDirectory, "--control", ControlPath, "--port", "0", "--bind", "127.0.0.1",
            "--audio-in", "silence", "--audio-out", "null", "--no-lan-discovery", .. _daemonArgs,
        ]);
        var ready = await _daemon.WaitForLineAsync(ReadyLine(), StartTimeout);
        Id = ready.Groups["id"].Value;
        UdpPort = int.Parse(ready.Groups["udp"].Value);
    }

    public async Task StopDaemonAsync()
    {
        if (_daemon is { } daemon)
        {
            _daemon = null;
            await StopAsync(daemon);
        }
    }

    public async Task StartUiAsync()
    {
        Directory.CreateDirectory(UiStateDirectory);
        _ui = ChildProcess.StartDotnet("picotalk ui", BuildOutput.Client,
            ["--control", ControlPath, "ui", "--urls", "http://127.0.0.1:0", "--state-dir", UiStateDirectory]);
        var listening = await _ui.WaitForLineAsync(ListeningLine(), StartTimeout);
        Url = new Uri(listening.Groups["url"].Value.TrimEnd('/') + "/");
    }

    /// <summary>SIGTERM to the UI; its exit code (null if it was not running).</summary>
    public async Task<int?> StopUiAsync()
    {
        if (_ui is { } ui)
        {
            _ui = null;
            return await StopAsync(ui);
        }

        return null;
    }

    /// <summary>Runs <c>picotalk ARGS...</c> against the daemon's control socket, bypassing the UI:
    /// what the daemon itself says. Its exit code and stdout.</summary>
    public async Task<(int ExitCode, string Stdout)> CliAsync(params string[] args)
    {
        await using var cli = ChildProcess.StartDotnet("picotalk", BuildOutput.Client, ["--control", ControlPath, .. args]);
        int exit = await cli.WaitForExitAsync(StartTimeout);
        string stdout = string.Join('\n', cli.Output.Split('\n').Where(line => !line.StartsWith("stderr: ", StringComparison.Ordinal)));
        return (exit, stdout);
    }

    private async Task<int> StopAsync(ChildProcess process)
    {
        try
        {
            return await process.StopAsync(StopTimeout);
        }
        finally
        {
            lock (_stoppedOutput)
            {
                _stoppedOutput.Add($"--- {process.Name} (pid {process.ProcessId}, stopped) ---\n{process.Output}");
            }

            await process.DisposeAsync();
        }
    }

    /// <summary>The absolute URL of <paramref name="path"/> on this appliance's page.</summary>
    public string Page(string path) => new Uri(Url, path.TrimStart('/')).ToString();

    /// <summary>What every process of this appliance printed, stopped ones first, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_stoppedOutput)
            {
                return string.Join('\n', _stoppedOutput) +
                       $"\n--- picotalkd ---\n{_daemon?.Output}\n--- picotalk ui ---\n{_ui?.Output}";
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopUiAsync();
        await StopDaemonAsync();
        _root.Dispose();
    }

    // DESIGN.md "Command line contract": the daemon's one ready line.
    [GeneratedRegex(@"^ready id=(?<id>[0-9a-f]{40}) udp=(?<udp>\d+) control=(?<control>\S+)$")]
    private static partial Regex ReadyLine();

    // ui-spec.md: "ui listening on <url>", with the real port when asked for port 0.
    [GeneratedRegex(@"ui listening on (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();
}
