using System.Runtime.InteropServices;

namespace PicoTalk.Hal.Gpio;

/// <summary>
/// Input lines requested from a <see cref="GpioChip"/>: the request's fd is the poll descriptor, and
/// read(2) on it returns whole struct gpio_v2_line_event records (linux/gpio.h). The fd is
/// non-blocking, so an empty queue reads as EAGAIN.
/// </summary>
internal sealed unsafe class GpioLineInputs : IGpioInputs
{
    /// <summary>Events taken per read(2): 16 x 48 bytes on the stack.</summary>
    private const int Batch = 16;

    private readonly string _where;
    private readonly int[] _lines;
    private int _fd;

    public GpioLineInputs(string where, int fd, int[] lines)
    {
        _where = where;
        _fd = fd;
        _lines = lines;
    }

    public int PollDescriptor
    {
        get
        {
            ObjectDisposedException.ThrowIf(_fd < 0, this);
            return _fd;
        }
    }

    public int ReadEdges(Span<GpioEdge> into)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        int wanted = Math.Min(into.Length, Batch);
        if (wanted == 0)
        {
            return 0;
        }

        GpioUapi.LineEvent* events = stackalloc GpioUapi.LineEvent[wanted];
        nint bytes;
        do
        {
            bytes = GpioNative.Read(_fd, events, (nuint)(wanted * sizeof(GpioUapi.LineEvent)));
        }
        while (bytes < 0 && Marshal.GetLastPInvokeError() == GpioNative.EINTR);

        if (bytes < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == GpioNative.EAGAIN)
            {
                return 0;
            }

            throw GpioNative.Error($"{_where}: read of line events", errno);
        }

        // The kernel copies whole events only (gpiolib-cdev linereq_read). When its buffer fills it
        // drops the oldest event (seqno jumps); an owner that must not miss a level reads IsActive.
        int count = (int)(bytes / sizeof(GpioUapi.LineEvent));
        for (int i = 0; i < count; i++)
        {
            // Rising is "inactive to active", already in logical terms when active-low is set.
            into[i] = new GpioEdge((int)events[i].Offset, events[i].Id == GpioUapi.EventRisingEdge, (long)events[i].TimestampNs);
        }

        return count;
    }

    public bool IsActive(int line)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        int index = Array.IndexOf(_lines, line);
        if (index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(line), line, $"line {line} is not in this request ({string.Join(",", _lines)})");
        }

        // bits and mask are indexed by position in the request's offsets, not by line number.
        var values = new GpioUapi.LineValues { Mask = 1UL << index };
        if (GpioNative.Ioctl(_fd, GpioUapi.LineGetValuesIoctl, &values) < 0)
        {
            throw GpioNative.Error($"{_where}: GPIO_V2_LINE_GET_VALUES_IOCTL for line {line}");
        }

        return (values.Bits & (1UL << index)) != 0;
    }

    /// <summary>Closing the request's fd releases its lines.</summary>
    public void Dispose()
    {
        GpioNative.CloseQuietly(_fd);
        _fd = -1;
    }
}
