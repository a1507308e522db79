namespace PicoTalk.Hal.Gpio;

/// <summary>Checks and conversions both chips share.</summary>
internal static class GpioLineRequests
{
    /// <summary>Lines must be 1 to GPIO_V2_LINES_MAX (64) distinct, non-negative offsets (linux/gpio.h).</summary>
    public static void Validate(IReadOnlyList<int> lines)
    {
        if (lines.Count is 0 or > GpioUapi.LinesMax)
        {
            throw new ArgumentException($"a request takes 1 to {GpioUapi.LinesMax} lines, not {lines.Count}", nameof(lines));
        }

        for (int i = 0; i < lines.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(lines[i], nameof(lines));
            for (int j = 0; j < i; j++)
            {
                if (lines[j] == lines[i])
                {
                    throw new ArgumentException($"line {lines[i]} is listed twice", nameof(lines));
                }
            }
        }
    }

    /// <summary>A <see cref="TimeProvider"/> timestamp in nanoseconds, without overflow for any
    /// timestamp that fits in a long once converted.</summary>
    public static long ToNanoseconds(long timestamp, long frequency) =>
        (long)((Int128)timestamp * 1_000_000_000 / frequency);

    public static string Describe(IReadOnlyList<int> lines) =>
        lines.Count == 1 ? $"line {lines[0]}" : $"lines {string.Join(",", lines)}";
}
