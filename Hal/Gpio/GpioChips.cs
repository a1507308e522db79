namespace PicoTalk.Hal.Gpio;

/// <summary>Opens the chip a <c>--gpio SPEC</c> names (DESIGN.md, "Command line contract").</summary>
public static class GpioChips
{
    /// <summary>The prefix of a real chip's spec: <c>chip:/dev/gpiochipN</c>.</summary>
    public const string ChipPrefix = "chip:";

    /// <summary>The spec of the simulated chip.</summary>
    public const string Simulated = "sim";

    /// <summary>Opens <paramref name="spec"/>; a simulated chip runs on the system clock.</summary>
    public static IGpioChip Open(string spec) => Open(spec, TimeProvider.System);

    /// <summary>
    /// <c>sim</c> gives a <see cref="SimulatedGpioChip"/> on <paramref name="time"/>;
    /// <c>chip:/dev/gpiochipN</c> opens that character device (<see cref="IOException"/> naming the
    /// path when it cannot). Anything else is a <see cref="FormatException"/> naming the spec.
    /// </summary>
    public static IGpioChip Open(string spec, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(time);
        if (spec == Simulated)
        {
            return new SimulatedGpioChip(time);
        }

        if (spec.StartsWith(ChipPrefix, StringComparison.Ordinal) && spec.Length > ChipPrefix.Length)
        {
            return GpioChip.Open(spec[ChipPrefix.Length..]);
        }

        throw new FormatException(
            $"GPIO spec '{spec}' is neither '{Simulated}' nor '{ChipPrefix}/dev/gpiochipN'");
    }
}
