namespace PicoTalk.Hal.Gpio;

/// <summary>One output line requested from a <see cref="GpioChip"/>, driven with
/// GPIO_V2_LINE_SET_VALUES_IOCTL (bit 0 of bits and mask: the request's only line).</summary>
internal sealed unsafe class GpioLineOutput : IGpioOutput
{
    private readonly string _where;
    private int _fd;

    public GpioLineOutput(string where, int fd)
    {
        _where = where;
        _fd = fd;
    }

    /// <summary>The level last set; the request starts inactive.</summary>
    public bool IsActive { get; private set; }

    public void Set(bool active)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var values = new GpioUapi.LineValues { Bits = active ? 1UL : 0UL, Mask = 1 };
        if (GpioNative.Ioctl(_fd, GpioUapi.LineSetValuesIoctl, &values) < 0)
        {
            throw GpioNative.Error($"{_where}: GPIO_V2_LINE_SET_VALUES_IOCTL to {(active ? "active" : "inactive")}");
        }

        IsActive = active;
    }

    /// <summary>Closing the request's fd releases the line.</summary>
    public void Dispose()
    {
        GpioNative.CloseQuietly(_fd);
        _fd = -1;
    }
}
