using System.Net.NetworkInformation;
using PicoTalk.Hal.Gpio;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Daemon;

/// <summary>The appliance's hardware in the composition root: the GPIO chip, and what the buttons and
/// policies need from the rest of the daemon (contacts, the speed dial, the network).</summary>
public sealed partial class PicoTalkDaemon
{
    private ApplianceController StartAppliance(DaemonConfig config, TonePlayer tones, TimeProvider time)
    {
        string? gpioFault = null;
        IGpioChip chip;
        try
        {
            chip = GpioChips.Open(config.Gpio.Chip, time);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // The appliance still takes calls from the control socket and the web page; the status
            // LED cannot show it (no chip), but status and systemd's STATUS say "error".
            gpioFault = $"gpio {config.Gpio.Chip}: {e.Message}";
            _log.Error($"{gpioFault}; buttons and LEDs are simulated until it is fixed");
            chip = new SimulatedGpioChip(time);
        }

        var appliance = new ApplianceController(_loop, chip, ApplianceSettingsConfig.From(config.Gpio, config.Calls),
            _core.Calls, tones, Contacts.Find, DialSpeedDial, _log.Info, e => Events.Server?.Publish(e), NetworkIsUp);
        if (gpioFault is not null)
        {
            _loop.Post(() => appliance.ReportFault(gpioFault));
        }

        return appliance;
    }

    /// <summary>
    /// Sends a one-line status to <paramref name="status"/> now and on every change of the device or
    /// call state, on the loop: systemd shows it in <c>systemctl status</c> (sd_notify STATUS=).
    /// </summary>
    internal void ReportStatusTo(Action<string> status)
    {
        _loop.AssertOnLoop();
        Appliance.StatusChanged = () => status(StatusLine());
        status(StatusLine());
    }

    /// <summary>"ready, idle, UDP port 5004" or "error (gpio chip:/dev/gpiochip0: ...), in_call, UDP port 5004".</summary>
    internal string StatusLine() =>
        $"{Appliance.Device.WireName()}{(Appliance.Fault is { } fault ? $" ({fault})" : "")}, {_core.Calls.State.WireName()}, UDP port {UdpPort}";

    /// <summary>The CALL button: dials <c>calls.speed_dial</c>, a contact's name, an ID, or HOST:PORT[/ID].</summary>
    private void DialSpeedDial()
    {
        string target = Appliance.Settings.SpeedDial; // a config set changes it live
        if (Contacts.Find(target) is { } contact)
        {
            LogDial(target, _core.Calls.Dial(contact.Id));
            return;
        }

        if (NodeId.TryParse(target, out var id))
        {
            LogDial(target, _core.Calls.Dial(id));
            return;
        }

        // HOST:PORT needs a name lookup, which must not block the loop.
        _ = Task.Run(async () =>
        {
            var (resolved, error) = await DaemonControlHandler.ResolveAsync(target, CancellationToken.None).ConfigureAwait(false);
            _loop.Post(() => LogDial(target, error is null
                ? _core.Calls.Dial(resolved.Remote, resolved.Id)
                : CallCommandResult.Invalid(error)));
        });
    }

    private void LogDial(string target, CallCommandResult result) =>
        _log.Info(result.Success ? $"button: dialing speed dial {target}" : $"button: speed dial {target}: {result.Message}");

    /// <summary>Whether any interface other than loopback is up with an address: without one nobody
    /// can reach the appliance (the status LED blinks slowly).</summary>
    private static bool NetworkIsUp()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces().Any(n =>
                n.OperationalStatus == OperationalStatus.Up
                && n.NetworkInterfaceType != NetworkInterfaceType.Loopback
                && n.GetIPProperties().UnicastAddresses.Count > 0);
        }
        catch (NetworkInformationException)
        {
            return true; // unknown: do not claim an outage
        }
    }
}
