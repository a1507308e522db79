namespace PicoTalk.Hal.Gpio;

/// <summary>
/// One edge seen on an input line. <see cref="Active"/> is the line's logical level after the edge
/// (true = pressed, i.e. after active-low inversion): the uAPI's GPIO_V2_LINE_EVENT_RISING_EDGE is
/// "inactive to active" (linux/gpio.h, enum gpio_v2_line_flag), so a rising event means Active.
/// <see cref="TimestampNs"/> is the kernel's timestamp (CLOCK_MONOTONIC, ns) or, for the simulated
/// chip, its <see cref="TimeProvider"/>'s timestamp converted to ns.
/// </summary>
public readonly record struct GpioEdge(int Line, bool Active, long TimestampNs);

/// <summary>How input lines are requested. <paramref name="ActiveLow"/>: a button that pulls the line
/// to ground reads as active. <paramref name="PullUp"/>: enable the pull-up bias; when false no bias
/// flag is sent and the line keeps the bias the board configured (an external resistor, config.txt).</summary>
public sealed record GpioInputOptions(bool ActiveLow = true, bool PullUp = true);
