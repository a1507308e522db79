using System.Text.RegularExpressions;

namespace PicoTalk.Service.Config;

/// <summary>
/// The appliance's buttons, LEDs and door relay (DESIGN.md "Hardware abstraction": default BCM pins
/// ANSWER 17, CALL 27, PTT 22, status LED 23, call LED 24, door relay 25; all configurable). Lines are
/// offsets on one GPIO chip, as the uAPI v2 line request takes them (linux/gpio.h, struct
/// gpio_v2_line_request.offsets).
/// </summary>
public sealed partial record GpioConfig
{
    /// <summary><c>sim</c> (the simulated driver, driven by <c>picotalk press/release</c>) or
    /// <c>chip:/dev/gpiochipN</c> (the kernel's GPIO character device).</summary>
    public string Chip { get; set; } = "sim";

    public int Answer { get; set; } = 17;

    public int Call { get; set; } = 27;

    /// <summary>Push to talk: held, the microphone is sent (see calls.half_duplex).</summary>
    public int Ptt { get; set; } = 22;

    public int StatusLed { get; set; } = 23;

    public int CallLed { get; set; } = 24;

    /// <summary>The door relay, pulsed for <see cref="DoorPulseMs"/>.</summary>
    public int Door { get; set; } = 25;

    /// <summary>Buttons wired to ground with a pull-up: a press reads low.</summary>
    public bool ActiveLow { get; set; } = true;

    public int DebounceMs { get; set; } = 30;

    public int LongPressMs { get; set; } = 1500;

    public int DoorPulseMs { get; set; } = 3000;

    /// <summary>Highest line offset accepted (our choice): offsets count from 0 on each chip, and 512
    /// is well above any Raspberry Pi's GPIO chip (54 lines on the BCM2835 and the RP1).</summary>
    public const int MaxLine = 511;

    public const string SimChip = "sim";

    public const string ChipPrefix = "chip:";

    /// <summary>Adds every problem of the <c>gpio</c> section to <paramref name="errors"/>.</summary>
    internal void Validate(List<ConfigError> errors)
    {
        if (Chip != SimChip && !ChipSpec().IsMatch(Chip))
        {
            errors.Add(new("gpio.chip", $"'{Chip}' is not 'sim' or 'chip:/dev/gpiochipN'"));
        }

        var lines = new (string Key, int Line)[]
        {
            ("gpio.answer", Answer), ("gpio.call", Call), ("gpio.ptt", Ptt),
            ("gpio.status_led", StatusLed), ("gpio.call_led", CallLed), ("gpio.door", Door),
        };
        for (int i = 0; i < lines.Length; i++)
        {
            var (key, line) = lines[i];
            if (line is < 0 or > MaxLine)
            {
                errors.Add(new(key, $"must be a line offset 0 to {MaxLine}"));
                continue;
            }

            // One line cannot be two things: name both keys so the owner sees which to change.
            for (int j = 0; j < i; j++)
            {
                if (lines[j].Line == line)
                {
                    errors.Add(new(key, $"line {line} is also {lines[j].Key}; each line serves one purpose"));
                }
            }
        }

        if (DebounceMs is < 1 or > 500)
        {
            errors.Add(new("gpio.debounce_ms", "must be 1 to 500"));
        }

        if (LongPressMs is < 200 or > 10_000)
        {
            errors.Add(new("gpio.long_press_ms", "must be 200 to 10000"));
        }
        else if (LongPressMs <= DebounceMs)
        {
            errors.Add(new("gpio.long_press_ms", "must be longer than gpio.debounce_ms"));
        }

        if (DoorPulseMs is < 100 or > 30_000)
        {
            errors.Add(new("gpio.door_pulse_ms", "must be 100 to 30000"));
        }
    }

    [GeneratedRegex("^chip:/dev/gpiochip[0-9]{1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex ChipSpec();
}
