namespace PicoTalk.Hal.Gpio;

/// <summary>
/// A GPIO chip through the Linux GPIO character device, uAPI v2 (linux/gpio.h;
/// Documentation/userspace-api/gpio/chardev.rst). The chip's fd answers GPIO_GET_CHIPINFO_IOCTL and
/// GPIO_V2_GET_LINE_IOCTL; each line request gets its own fd, which carries the edge events
/// (<see cref="GpioLineInputs"/>) or the output value (<see cref="GpioLineOutput"/>). Errors are
/// <see cref="IOException"/>s naming the chip, the lines and errno.
/// </summary>
public sealed class GpioChip : IGpioChip
{
    private readonly string _path;
    private int _fd;

    private GpioChip(string path, int fd, string description)
    {
        _path = path;
        _fd = fd;
        Description = description;
    }

    public string Description { get; }

    /// <summary>Lines the chip has (gpiochip_info.lines).</summary>
    public int LineCount { get; private init; }

    /// <summary>Opens <paramref name="path"/> (<c>/dev/gpiochipN</c>) and reads its chip info.</summary>
    public static unsafe GpioChip Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = GpioNative.Open(path, GpioNative.O_RDWR | GpioNative.O_CLOEXEC);
        if (fd < 0)
        {
            throw GpioNative.Error($"GPIO chip {path}: open");
        }

        GpioUapi.ChipInfo info;
        if (GpioNative.Ioctl(fd, GpioUapi.GetChipInfoIoctl, &info) < 0)
        {
            var error = GpioNative.Error($"GPIO chip {path}: GPIO_GET_CHIPINFO_IOCTL (not a GPIO chip?)");
            GpioNative.CloseQuietly(fd);
            throw error;
        }

        string label = GpioUapi.FromCString(info.Label, GpioUapi.MaxNameSize);
        return new GpioChip(path, fd, $"{path} ({label}, {info.Lines} lines)") { LineCount = (int)info.Lines };
    }

    public IGpioInputs RequestInputs(IReadOnlyList<int> lines, GpioInputOptions options, string consumer)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(consumer);
        int fd = RequestLines(lines, InputFlags(options), consumer, nonBlocking: true);
        return new GpioLineInputs(Where(lines), fd, lines.ToArray());
    }

    public IGpioOutput RequestOutput(int line, bool activeLow, string consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        int[] lines = [line];
        // No GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES attribute: lines without one start inactive
        // (gpiolib-cdev sets each output to the attribute's value, zero when absent).
        int fd = RequestLines(lines, OutputFlags(activeLow), consumer, nonBlocking: false);
        return new GpioLineOutput(Where(lines), fd);
    }

    /// <summary>The flags an input request sends: both edges, so a press and a release each give an event.</summary>
    internal static ulong InputFlags(GpioInputOptions options) =>
        GpioUapi.FlagInput | GpioUapi.FlagEdgeRising | GpioUapi.FlagEdgeFalling
        | (options.ActiveLow ? GpioUapi.FlagActiveLow : 0)
        | (options.PullUp ? GpioUapi.FlagBiasPullUp : 0);

    internal static ulong OutputFlags(bool activeLow) =>
        GpioUapi.FlagOutput | (activeLow ? GpioUapi.FlagActiveLow : 0);

    /// <summary>Closes the chip's fd; line requests stay until each is disposed (they hold their own fds).</summary>
    public void Dispose()
    {
        GpioNative.CloseQuietly(_fd);
        _fd = -1;
    }

    private string Where(IReadOnlyList<int> lines) => $"GPIO chip {_path}, {GpioLineRequests.Describe(lines)}";

    private unsafe int RequestLines(IReadOnlyList<int> lines, ulong flags, string consumer, bool nonBlocking)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        // event_buffer_size 0: the kernel's default of 16 events per line (linux/gpio.h).
        var request = GpioUapi.BuildLineRequest(lines, flags, consumer, eventBufferSize: 0);
        if (GpioNative.Ioctl(_fd, GpioUapi.GetLineIoctl, &request) < 0)
        {
            throw GpioNative.Error($"{Where(lines)}: GPIO_V2_GET_LINE_IOCTL");
        }

        // The request's fd is opened O_RDONLY | O_CLOEXEC by the kernel; edges are read without
        // waiting, so it also needs O_NONBLOCK (linereq_read returns EAGAIN then).
        if (nonBlocking && !GpioNative.TrySetNonBlocking(request.Fd))
        {
            var error = GpioNative.Error($"{Where(lines)}: fcntl O_NONBLOCK");
            GpioNative.CloseQuietly(request.Fd);
            throw error;
        }

        return request.Fd;
    }
}
