namespace PicoTalk.Protocol.Control;

// The appliance's buttons, LEDs and door on the control socket (issue 5): `press`, `release` and
// `door` requests, `status.device`, and the `device`, `button` and `door` events.

/// <summary><c>press</c> args: a button (ANSWER, CALL, PTT); held for <see cref="Ms"/> milliseconds
/// (default 100, a click), or until <c>release</c> when <see cref="Hold"/>.</summary>
public sealed record PressArgs(string? Button, int? Ms = null, bool Hold = false);

/// <summary><c>release</c> args.</summary>
public sealed record ReleaseArgs(string? Button);

/// <summary>The device part of <c>status</c>: its state (one of <see cref="DeviceStates"/>), the fault
/// that put it in error, the GPIO chip, what each LED shows, the tone playing, whether push-to-talk
/// is held, do-not-disturb, and whether the microphone is muted.</summary>
public sealed record DeviceSummary(
    string State,
    string? Fault,
    string Gpio,
    string StatusLed,
    string CallLed,
    string Tone,
    bool Talking,
    bool DoNotDisturb,
    bool Muted = false);

/// <summary><c>device</c> event data: the device state machine moved.</summary>
public sealed record DeviceEventData(string Was, string On, string Now, string? Fault);

/// <summary><c>button</c> event data: a gesture and what it did (<c>none</c> when ignored in that state).</summary>
public sealed record ButtonEventData(string Button, string Gesture, string Action);

/// <summary><c>door</c> event data: the door relay pulsed for a contact (<see cref="Direction"/>
/// "opened_here"), a request refused here ("refused_here"), or the answer to our own request
/// ("answered": <see cref="Opened"/> says whether the peer opened it).</summary>
public sealed record DoorEventData(string Direction, bool Opened, string Message, string? PeerId);

/// <summary>Values of <c>status.device.state</c>.</summary>
public static class DeviceStates
{
    public const string Starting = "starting";
    public const string Ready = "ready";
    public const string Degraded = "degraded";
    public const string Error = "error";
}

/// <summary>Values of an event's <c>event</c> for the appliance's hardware.</summary>
public static class ApplianceEventNames
{
    public const string Device = "device";
    public const string Button = "button";
    public const string Door = "door";
}

/// <summary>The appliance's control commands beside <see cref="ControlCommands"/>.</summary>
public static class ApplianceCommands
{
    /// <summary>Asks the peer of the call in progress to open its door.</summary>
    public const string Door = "door";
}
