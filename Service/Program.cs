using System.Net;
using System.Runtime.InteropServices;
using PicoTalk.Hal.Audio;
using PicoTalk.Service.Config;
using PicoTalk.Service.Daemon;
using PicoTalk.Service.Systemd;

namespace PicoTalk.Service;

/// <summary><c>picotalkd</c>: resolves the settings, starts the daemon, runs until SIGTERM or SIGINT.
/// Under systemd (<c>Type=notify</c>) it reports READY once it serves, keeps the watchdog fed from
/// the event loop, and reports STOPPING when told to stop (sd_notify(3)).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var time = TimeProvider.System;
        var log = DaemonLog.ForConsole(time);
        DaemonArguments arguments;
        try
        {
            arguments = DaemonArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"picotalkd: {e.Message}");
            Console.Error.WriteLine(DaemonArguments.Usage);
            return 2;
        }

        if (arguments.Help)
        {
            Console.WriteLine(DaemonArguments.Usage);
            return 0;
        }

        // A no-op where NOTIFY_SOCKET is unset (started from a shell or by a test).
        using var notifier = SystemdNotifier.FromEnvironment();
        DaemonSettings settings;
        try
        {
            settings = Resolve(arguments, log.Warn);
        }
        catch (Exception e) when (e is ConfigException or ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            log.Error(e.Message);
            notifier.Status($"bad settings: {e.Message}");
            return 2;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // STOPPING=1 as the signal arrives, so `systemctl status` shows the unit deactivating while
        // the daemon hangs up its call and saves its routing table.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; notifier.Stopping(); stop.TrySetResult(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; notifier.Stopping(); stop.TrySetResult(); });

        PicoTalkDaemon daemon;
        notifier.Status("starting");
        try
        {
            daemon = PicoTalkDaemon.Start(settings, log, time);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            log.Error($"cannot start: {e.Message}");
            notifier.Status($"cannot start: {e.Message}");
            return 1;
        }

        // The socket, the control socket and the loop all run now: Type=notify units that are
        // ordered after picotalkd.service may start.
        notifier.Ready($"ready, UDP port {daemon.UdpPort}, id {daemon.Id}");
        // From now on STATUS follows the device and the call ("degraded, in_call, UDP port 5004").
        daemon.Loop.Post(() => daemon.ReportStatusTo(status => notifier.Status(status)));
        SystemdWatchdog? watchdog = null;
        try
        {
            watchdog = SystemdWatchdog.StartFromEnvironment(daemon.Loop, notifier);
        }
        catch (FormatException e)
        {
            log.Warn($"systemd watchdog: {e.Message}; not pinging");
        }

        if (watchdog is not null)
        {
            log.Info($"systemd watchdog: timeout {watchdog.Timeout.TotalSeconds:0.###} s, pinging from the event loop every {watchdog.PingInterval.TotalSeconds:0.###} s");
        }

        await stop.Task.ConfigureAwait(false);
        log.Info("stopping");
        watchdog?.Dispose();
        await daemon.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>State directory, config file, then the command line over the config's values.</summary>
    internal static DaemonSettings Resolve(DaemonArguments arguments, Action<string>? warn = null)
    {
        string state = arguments.StateDirectory
            ?? Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0]
            ?? "/var/lib/picotalkd";
        state = Path.GetFullPath(state);
        Directory.CreateDirectory(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string configPath = Path.GetFullPath(arguments.ConfigFile ?? Path.Combine(state, ConfigStore.FileName));
        // A damaged config is repaired from config.json.last-good, and said so.
        var config = ConfigStore.LoadOrCreate(configPath, warn);
        config = config with
        {
            UdpPort = arguments.Port ?? config.UdpPort,
            Bind = arguments.Bind ?? config.Bind,
            Name = arguments.Name ?? config.Name,
            Audio = config.Audio with
            {
                Input = arguments.AudioIn ?? config.Audio.Input,
                Output = arguments.AudioOut ?? config.Audio.Output,
            },
            Gpio = config.Gpio with { Chip = arguments.Gpio ?? config.Gpio.Chip },
            Dht = config.Dht with
            {
                Bootstrap = [.. config.Dht.Bootstrap, .. arguments.Bootstrap],
                LanDiscovery = config.Dht.LanDiscovery && !arguments.NoLanDiscovery,
                LanInterfaces = arguments.LanInterfaces?.ToList() ?? config.Dht.LanInterfaces,
                HolePunching = config.Dht.HolePunching && !arguments.NoHolePunching,
                KeepaliveSeconds = arguments.NatKeepaliveSeconds ?? config.Dht.KeepaliveSeconds,
            },
        };
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ConfigException("command line", errors);
        }

        string runtime = Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY")?.Split(':')[0] ?? state;
        string control = Path.GetFullPath(arguments.ControlPath ?? Path.Combine(runtime, "control.sock"));
        return new DaemonSettings(state, configPath, control, config, IPAddress.Parse(config.Bind),
            ParseDevice("audio.input", config.Audio.Input), ParseDevice("audio.output", config.Audio.Output))
        {
            RoomServer = arguments.RoomServerPorts,
        };
    }

    private static AudioDeviceSpec ParseDevice(string key, string spec)
    {
        try
        {
            return AudioDeviceSpec.Parse(spec);
        }
        catch (FormatException e)
        {
            throw new ConfigException("settings", [new ConfigError(key, e.Message)]);
        }
    }
}
