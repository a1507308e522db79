namespace PicoTalk.Hal.Gpio;

/// <summary>
/// A GPIO chip: the driver interface buttons and LEDs sit on (STYLE.md 8). The real one is
/// <see cref="GpioChip"/> (Linux GPIO character device, uAPI v2), the other
/// <see cref="SimulatedGpioChip"/>; <see cref="GpioChips.Open(string)"/> picks one from a spec.
/// Each request is released by its own Dispose; disposing the chip does not release them (as with
/// the kernel, where every line request has its own fd).
/// </summary>
public interface IGpioChip : IDisposable
{
    /// <summary>"sim", or the device and the chip's label and size: "/dev/gpiochip0 (pinctrl-bcm2711, 58 lines)".</summary>
    string Description { get; }

    /// <summary>Requests <paramref name="lines"/> (chip line offsets, BCM numbers on a Pi) as inputs
    /// with edge detection on both edges. Throws <see cref="IOException"/> naming the chip and lines
    /// when the chip refuses (a line in use: EBUSY).</summary>
    IGpioInputs RequestInputs(IReadOnlyList<int> lines, GpioInputOptions options, string consumer);

    /// <summary>Requests <paramref name="line"/> as an output; it starts inactive.</summary>
    IGpioOutput RequestOutput(int line, bool activeLow, string consumer);
}

/// <summary>Requested input lines and the edges seen on them.</summary>
public interface IGpioInputs : IDisposable
{
    /// <summary>A descriptor that polls readable (POLLIN) while edges wait; the daemon's event loop polls it.</summary>
    int PollDescriptor { get; }

    /// <summary>Moves waiting edges into <paramref name="into"/>, oldest first, and returns how many.
    /// Never blocks (0 when none wait) and never allocates.</summary>
    int ReadEdges(Span<GpioEdge> into);

    /// <summary>The current logical level of a requested line (true = active).</summary>
    bool IsActive(int line);
}

/// <summary>One requested output line.</summary>
public interface IGpioOutput : IDisposable
{
    /// <summary>The logical level last set (true = active).</summary>
    bool IsActive { get; }

    /// <summary>Drives the line to the logical level <paramref name="active"/>.</summary>
    void Set(bool active);
}
