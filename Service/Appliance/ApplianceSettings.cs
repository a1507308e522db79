using PicoTalk.Hal.Gpio;

namespace PicoTalk.Service.Appliance;

/// <summary>Who may ring when the caller's ID is not a contact (<c>calls.unknown_callers</c>).</summary>
public enum UnknownCallers
{
    Allow,
    RingOnly,
    Refuse,
}

/// <summary>
/// What the appliance controller runs with: the GPIO lines (BCM offsets, DESIGN.md "Hardware
/// abstraction"), button timing, and the call policies of issue 5. Built from the config file's
/// <c>gpio</c> and <c>calls</c> sections; the defaults are the config's defaults.
/// </summary>
public sealed record ApplianceSettings
{
    public int AnswerLine { get; init; } = 17;

    public int CallLine { get; init; } = 27;

    public int PttLine { get; init; } = 22;

    public int StatusLedLine { get; init; } = 23;

    public int CallLedLine { get; init; } = 24;

    public int DoorLine { get; init; } = 25;

    /// <summary>Buttons pull the line to ground against the pull-up (the usual wiring), LEDs and the
    /// relay are driven high: active-low applies to the buttons only.</summary>
    public bool ButtonsActiveLow { get; init; } = true;

    public ButtonOptions Buttons { get; init; } = new();

    public TimeSpan DoorPulse { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Auto-answer is on for the appliance (and then only for contacts marked for it).</summary>
    public bool AutoAnswer { get; init; }

    public TimeSpan AutoAnswerDelay { get; init; } = TimeSpan.FromSeconds(3);

    public UnknownCallers UnknownCallers { get; init; } = UnknownCallers.Allow;

    public bool DoNotDisturb { get; init; }

    /// <summary>What the CALL button dials: a contact's name, an ID or HOST:PORT; empty for nothing.</summary>
    public string SpeedDial { get; init; } = "";

    /// <summary>Calls send the microphone only while push-to-talk is held.</summary>
    public bool HalfDuplex { get; init; }

    /// <summary>A ringtone plays on the audio output while a call rings in.</summary>
    public bool Ringtone { get; init; } = true;

    public IReadOnlyList<int> ButtonLines => [AnswerLine, CallLine, PttLine];
}

/// <summary>The appliance's settings from the config file.</summary>
public static class ApplianceSettingsConfig
{
    public static ApplianceSettings From(Config.GpioConfig gpio, Config.CallConfig calls) => new()
    {
        AnswerLine = gpio.Answer,
        CallLine = gpio.Call,
        PttLine = gpio.Ptt,
        StatusLedLine = gpio.StatusLed,
        CallLedLine = gpio.CallLed,
        DoorLine = gpio.Door,
        ButtonsActiveLow = gpio.ActiveLow,
        Buttons = new ButtonOptions
        {
            Debounce = TimeSpan.FromMilliseconds(gpio.DebounceMs),
            LongPress = TimeSpan.FromMilliseconds(gpio.LongPressMs),
        },
        DoorPulse = TimeSpan.FromMilliseconds(gpio.DoorPulseMs),
        AutoAnswer = calls.AutoAnswer,
        AutoAnswerDelay = TimeSpan.FromSeconds(calls.AutoAnswerDelaySeconds),
        UnknownCallers = calls.UnknownCallers switch
        {
            Config.UnknownCallerPolicy.Refuse => UnknownCallers.Refuse,
            Config.UnknownCallerPolicy.RingOnly => UnknownCallers.RingOnly,
            _ => UnknownCallers.Allow,
        },
        DoNotDisturb = calls.DoNotDisturb,
        SpeedDial = calls.SpeedDial,
        HalfDuplex = calls.HalfDuplex,
        Ringtone = calls.Ringtone,
    };
}
