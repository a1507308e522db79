using PicoTalk.Hal.Gpio;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Service.Appliance;

/// <summary>The device state (<see cref="DeviceStateMachine"/>): set-up, network, faults; and the
/// device part of <c>status</c>.</summary>
public sealed partial class ApplianceController
{
    /// <summary>How often the network is looked at: an interface that loses its address (Wi-Fi gone)
    /// turns the status LED to a slow blink within this time.</summary>
    public static readonly TimeSpan NetworkCheckInterval = TimeSpan.FromSeconds(10);

    private readonly Func<bool> _networkUp;
    private ITimer? _networkTimer;

    /// <summary>What the latest look at the network found (on the loop).</summary>
    private bool _networkWasUp = true;

    /// <summary>A look at the network is under way off the loop.</summary>
    private bool _networkCheckRunning;

    public DeviceState Device { get; private set; } = DeviceState.Starting;

    /// <summary>What put the device in <see cref="DeviceState.Error"/>; null otherwise.</summary>
    public string? Fault { get; private set; }

    /// <summary>Called on the loop after every change of the device or call state (systemd's STATUS
    /// follows it).</summary>
    public Action? StatusChanged { get; set; }

    /// <summary>The daemon is up: Ready (or Degraded without network), and the network is watched from now on.</summary>
    public void Started()
    {
        _loop.AssertOnLoop();
        // Ready at once, and the network looked at off the loop straight away: the first listing of
        // the interfaces is the slowest (a cold start under the JIT held the loop, and the systemd
        // watchdog's pings, for most of a second), and it corrects Ready to Degraded within moments.
        Fire(DeviceTrigger.Started);
        CheckNetworkInBackground();
        _networkTimer ??= _loop.CreateTimer(CheckNetworkInBackground, NetworkCheckInterval, NetworkCheckInterval);
    }

    /// <summary>A hardware fault (a sound card or the GPIO chip failed): the status LED blinks fast.</summary>
    public void ReportFault(string fault)
    {
        _loop.AssertOnLoop();
        _log($"device: fault: {fault}");
        Fault = fault;
        Fire(DeviceTrigger.Fault);
    }

    /// <summary>The fault is gone (the device works again).</summary>
    public void ClearFault()
    {
        _loop.AssertOnLoop();
        if (Fault is null)
        {
            return;
        }

        Fault = null;
        Fire(DeviceTrigger.FaultCleared);
    }

    /// <summary>Looks at the network now (the timer's work; tests call it after changing the network).</summary>
    public void CheckNetwork()
    {
        _loop.AssertOnLoop();
        NetworkChecked(_networkUp());
    }

    /// <summary>
    /// The timer's look at the network, made off the loop: listing the interfaces reads /proc and
    /// netlink and allocates, and on the loop, in a call, it held up the frames long enough for the
    /// far end's echo canceller to lose its alignment once every 10 s (EchoCallTests, second by second).
    /// </summary>
    private void CheckNetworkInBackground()
    {
        if (_networkCheckRunning)
        {
            return;
        }

        _networkCheckRunning = true;
        _ = Task.Run(() =>
        {
            bool up = _networkUp();
            _loop.Post(() =>
            {
                _networkCheckRunning = false;
                NetworkChecked(up);
            });
        });
    }

    private void NetworkChecked(bool up)
    {
        _networkWasUp = up;
        Fire(up ? DeviceTrigger.NetworkUp : DeviceTrigger.NetworkDown);
    }

    /// <summary>The one place that changes the device state: "was X, on Y, now Z" (STYLE.md 5).</summary>
    private void Fire(DeviceTrigger trigger)
    {
        var was = Device;
        if (!DeviceStateMachine.TryNext(was, trigger, _networkWasUp, out var now))
        {
            return; // e.g. NetworkUp while ready: nothing changes, nothing to log every 10 s
        }

        Device = now;
        _log($"device: was {was.WireName()}, on {trigger.WireName()}, now {now.WireName()}");
        _publish(ControlEvent.Create(ApplianceEventNames.Device,
            new DeviceEventData(was.WireName(), trigger.WireName(), now.WireName(), Fault), ControlJsonContext.Default.DeviceEventData));
        UpdateLeds();
        StatusChanged?.Invoke();
    }

    /// <summary>The device part of <c>status</c>.</summary>
    public DeviceSummary Summary() => new(
        Device.WireName(),
        Fault,
        _chip.Description,
        _statusLed.Pattern.WireName(),
        _callLed.Pattern.WireName(),
        _tones.Playing switch
        {
            Tone.Ring => "ring",
            Tone.AutoAnswerWarning => "auto_answer_warning",
            Tone.Test => "test",
            _ => "none",
        },
        Talking,
        _settings.DoNotDisturb,
        Muted);
}
