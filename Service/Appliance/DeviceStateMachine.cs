namespace PicoTalk.Service.Appliance;

/// <summary>The appliance as a whole, as the status LED and systemd's STATUS show it.</summary>
public enum DeviceState
{
    /// <summary>Set-up in progress: the socket, the DHT and the devices are being brought up.</summary>
    Starting,

    /// <summary>Working and reachable: a network interface is up.</summary>
    Ready,

    /// <summary>Working but not reachable from outside: no network interface has an address.</summary>
    Degraded,

    /// <summary>A hardware fault needs attention (a sound card or the GPIO chip failed).</summary>
    Error,
}

/// <summary>What moves the device state.</summary>
public enum DeviceTrigger
{
    Started,
    NetworkUp,
    NetworkDown,
    Fault,
    FaultCleared,
}

/// <summary>
/// The device state as a static table (STYLE.md 5), beside the call's own (<see
/// cref="Calls.CallStateMachine"/>). A fault wins over the network: the status LED blinks fast until
/// the fault clears, then shows the network as it is then.
/// </summary>
/// <remarks>
/// <code>
///              Started (network up)            NetworkDown
///   Starting ──────────────────────▶ Ready ◀──────────────▶ Degraded
///      │   Started (no network)        │      NetworkUp        │
///      └───────────────────────────────┼───────────────────────▶
///                                Fault │ ▲ FaultCleared (network up; else to Degraded)
///                                      ▼ │
///                                     Error   (a fault in any state leads here)
/// </code>
/// </remarks>
public static class DeviceStateMachine
{
    private static readonly Dictionary<(DeviceState, DeviceTrigger, bool NetworkUp), DeviceState> Table = new()
    {
        [(DeviceState.Starting, DeviceTrigger.Started, true)] = DeviceState.Ready,
        [(DeviceState.Starting, DeviceTrigger.Started, false)] = DeviceState.Degraded,
        [(DeviceState.Starting, DeviceTrigger.Fault, true)] = DeviceState.Error,
        [(DeviceState.Starting, DeviceTrigger.Fault, false)] = DeviceState.Error,

        [(DeviceState.Ready, DeviceTrigger.NetworkDown, false)] = DeviceState.Degraded,
        [(DeviceState.Ready, DeviceTrigger.Fault, true)] = DeviceState.Error,
        [(DeviceState.Ready, DeviceTrigger.Fault, false)] = DeviceState.Error,

        [(DeviceState.Degraded, DeviceTrigger.NetworkUp, true)] = DeviceState.Ready,
        [(DeviceState.Degraded, DeviceTrigger.Fault, true)] = DeviceState.Error,
        [(DeviceState.Degraded, DeviceTrigger.Fault, false)] = DeviceState.Error,

        [(DeviceState.Error, DeviceTrigger.FaultCleared, true)] = DeviceState.Ready,
        [(DeviceState.Error, DeviceTrigger.FaultCleared, false)] = DeviceState.Degraded,
    };

    /// <summary>The state <paramref name="trigger"/> leads to, given whether the network is up now;
    /// false when the table ignores it (e.g. NetworkUp while in Error: the fault still shows).</summary>
    public static bool TryNext(DeviceState from, DeviceTrigger trigger, bool networkUp, out DeviceState to) =>
        Table.TryGetValue((from, trigger, networkUp), out to);

    public static IEnumerable<(DeviceState From, DeviceTrigger On, bool NetworkUp, DeviceState To)> Transitions =>
        Table.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Key.NetworkUp, kv.Value));

    public static string WireName(this DeviceState state) => state switch
    {
        DeviceState.Starting => "starting",
        DeviceState.Ready => "ready",
        DeviceState.Degraded => "degraded",
        DeviceState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string WireName(this DeviceTrigger trigger) => trigger switch
    {
        DeviceTrigger.Started => "started",
        DeviceTrigger.NetworkUp => "network_up",
        DeviceTrigger.NetworkDown => "network_down",
        DeviceTrigger.Fault => "fault",
        DeviceTrigger.FaultCleared => "fault_cleared",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
    };
}
