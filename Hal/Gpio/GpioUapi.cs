using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace PicoTalk.Hal.Gpio;

/// <summary>
/// The Linux GPIO character device uAPI v2 as C# sees it: the structs, flags and ioctl numbers of
/// linux/gpio.h that <see cref="GpioChip"/> uses. Every <c>__aligned_u64</c> is 8-byte aligned on
/// 32-bit ARM too, so one layout serves every Pi. GpioLayoutTests compiles a C program against the
/// installed header and compares each size, offset, flag and ioctl number here with it.
/// </summary>
/// <remarks>
/// <code>
/// struct gpiochip_info (68)            struct gpio_v2_line_values (16)
///  0 char  name[32]                     0 u64 bits    bit i = offsets[i], 1 = active
/// 32 char  label[32]                    8 u64 mask    bits to get or set
/// 64 u32   lines
///
/// struct gpio_v2_line_attribute (16)   struct gpio_v2_line_config_attribute (24)
///  0 u32 id   (1 flags, 2 values, 3 debounce)        0 gpio_v2_line_attribute attr
///  4 u32 padding                                    16 u64 mask   lines it applies to
///  8 union { u64 flags; u64 values; u32 debounce_period_us; }
///
/// struct gpio_v2_line_config (272)     struct gpio_v2_line_request (592)
///  0 u64 flags                          0 u32  offsets[64]
///  8 u32 num_attrs                    256 char consumer[32]
/// 12 u32 padding[5]                   288 gpio_v2_line_config config
/// 32 config_attribute attrs[10]       560 u32  num_lines
///                                     564 u32  event_buffer_size
/// struct gpio_v2_line_event (48)      568 u32  padding[5]
///  0 u64 timestamp_ns                 588 s32  fd            (out: the request's fd)
///  8 u32 id   (1 rising, 2 falling)
/// 12 u32 offset
/// 16 u32 seqno
/// 20 u32 line_seqno
/// 24 u32 padding[6]
/// </code>
/// ioctl numbers follow asm-generic/ioctl.h, used by arm, arm64 and x86-64:
/// <c>_IOC(dir, type, nr, size) = dir &lt;&lt; 30 | size &lt;&lt; 16 | type &lt;&lt; 8 | nr</c> with
/// <c>_IOC_WRITE = 1</c>, <c>_IOC_READ = 2</c>; <c>_IOR</c> is dir 2 and <c>_IOWR</c> dir 3;
/// size is <c>sizeof</c> the struct (14 bits). All GPIO ioctls have type 0xB4.
/// </remarks>
internal static unsafe class GpioUapi
{
    // ---- Sizes and enums from linux/gpio.h ----

    public const int MaxNameSize = 32;        // GPIO_MAX_NAME_SIZE
    public const int LinesMax = 64;           // GPIO_V2_LINES_MAX
    public const int NumAttrsMax = 10;        // GPIO_V2_LINE_NUM_ATTRS_MAX

    // enum gpio_v2_line_flag
    public const ulong FlagActiveLow = 1UL << 1;
    public const ulong FlagInput = 1UL << 2;
    public const ulong FlagOutput = 1UL << 3;
    public const ulong FlagEdgeRising = 1UL << 4;    // "inactive to active"
    public const ulong FlagEdgeFalling = 1UL << 5;   // "active to inactive"
    public const ulong FlagBiasPullUp = 1UL << 8;
    public const ulong FlagBiasPullDown = 1UL << 9;
    public const ulong FlagBiasDisabled = 1UL << 10;

    // enum gpio_v2_line_attr_id
    public const uint AttrIdFlags = 1;
    public const uint AttrIdOutputValues = 2;
    public const uint AttrIdDebounce = 3;

    // enum gpio_v2_line_event_id
    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    // ---- ioctl numbers (asm-generic/ioctl.h; see remarks) ----

    public const uint IocWrite = 1;
    public const uint IocRead = 2;
    public const uint GpioIoctlType = 0xB4;

    /// <summary>GPIO_GET_CHIPINFO_IOCTL = _IOR(0xB4, 0x01, struct gpiochip_info).</summary>
    public static readonly nuint GetChipInfoIoctl = Ioc(IocRead, 0x01, sizeof(ChipInfo));

    /// <summary>GPIO_V2_GET_LINE_IOCTL = _IOWR(0xB4, 0x07, struct gpio_v2_line_request).</summary>
    public static readonly nuint GetLineIoctl = Ioc(IocRead | IocWrite, 0x07, sizeof(LineRequest));

    /// <summary>GPIO_V2_LINE_GET_VALUES_IOCTL = _IOWR(0xB4, 0x0E, struct gpio_v2_line_values).</summary>
    public static readonly nuint LineGetValuesIoctl = Ioc(IocRead | IocWrite, 0x0E, sizeof(LineValues));

    /// <summary>GPIO_V2_LINE_SET_VALUES_IOCTL = _IOWR(0xB4, 0x0F, struct gpio_v2_line_values).</summary>
    public static readonly nuint LineSetValuesIoctl = Ioc(IocRead | IocWrite, 0x0F, sizeof(LineValues));

    /// <summary>_IOC of asm-generic/ioctl.h: direction in bits 30-31, size in 16-29, type in 8-15, number in 0-7.</summary>
    public static nuint Ioc(uint direction, uint number, int size) =>
        (nuint)(direction << 30 | (uint)size << 16 | GpioIoctlType << 8 | number);

    /// <summary>
    /// A gpio_v2_line_request for <paramref name="lines"/> with <paramref name="flags"/> for every
    /// line and no attributes. Every byte not set is zero, as the header asks of padding ("must be
    /// zero filled"); <paramref name="consumer"/> is cut to 31 UTF-8 bytes (whole characters) so a
    /// NUL always ends it.
    /// </summary>
    public static LineRequest BuildLineRequest(IReadOnlyList<int> lines, ulong flags, string consumer, uint eventBufferSize)
    {
        GpioLineRequests.Validate(lines);
        LineRequest request = default;
        for (int i = 0; i < lines.Count; i++)
        {
            request.Offsets[i] = (uint)lines[i];
        }

        var consumerBytes = new Span<byte>(request.Consumer, MaxNameSize - 1);
        Utf8.FromUtf16(consumer, consumerBytes, out _, out _, replaceInvalidSequences: true, isFinalBlock: true);
        request.Config.Flags = flags;
        request.NumLines = (uint)lines.Count;
        request.EventBufferSize = eventBufferSize;
        return request;
    }

    /// <summary>A fixed-size, NUL-padded C string as .NET text.</summary>
    public static string FromCString(byte* chars, int size)
    {
        var span = new ReadOnlySpan<byte>(chars, size);
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>struct gpiochip_info.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 68)]
    public struct ChipInfo
    {
        [FieldOffset(0)] public fixed byte Name[MaxNameSize];
        [FieldOffset(32)] public fixed byte Label[MaxNameSize];
        [FieldOffset(64)] public uint Lines;
    }

    /// <summary>struct gpio_v2_line_values.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct LineValues
    {
        [FieldOffset(0)] public ulong Bits;
        [FieldOffset(8)] public ulong Mask;
    }

    /// <summary>struct gpio_v2_line_attribute; the three union members share offset 8.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct LineAttribute
    {
        [FieldOffset(0)] public uint Id;
        [FieldOffset(4)] public uint Padding;
        [FieldOffset(8)] public ulong Flags;
        [FieldOffset(8)] public ulong Values;
        [FieldOffset(8)] public uint DebouncePeriodUs;
    }

    /// <summary>struct gpio_v2_line_config_attribute.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct LineConfigAttribute
    {
        [FieldOffset(0)] public LineAttribute Attr;
        [FieldOffset(16)] public ulong Mask;
    }

    /// <summary>attrs[GPIO_V2_LINE_NUM_ATTRS_MAX] of gpio_v2_line_config.</summary>
    [InlineArray(NumAttrsMax)]
    public struct LineConfigAttributes
    {
        private LineConfigAttribute _first;
    }

    /// <summary>struct gpio_v2_line_config.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 272)]
    public struct LineConfig
    {
        [FieldOffset(0)] public ulong Flags;
        [FieldOffset(8)] public uint NumAttrs;
        [FieldOffset(12)] public fixed uint Padding[5];
        [FieldOffset(32)] public LineConfigAttributes Attrs;
    }

    /// <summary>struct gpio_v2_line_request.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 592)]
    public struct LineRequest
    {
        [FieldOffset(0)] public fixed uint Offsets[LinesMax];
        [FieldOffset(256)] public fixed byte Consumer[MaxNameSize];
        [FieldOffset(288)] public LineConfig Config;
        [FieldOffset(560)] public uint NumLines;
        [FieldOffset(564)] public uint EventBufferSize;
        [FieldOffset(568)] public fixed uint Padding[5];
        [FieldOffset(588)] public int Fd;
    }

    /// <summary>struct gpio_v2_line_event, as read(2) returns it from a request's fd.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 48)]
    public struct LineEvent
    {
        [FieldOffset(0)] public ulong TimestampNs;
        [FieldOffset(8)] public uint Id;
        [FieldOffset(12)] public uint Offset;
        [FieldOffset(16)] public uint Seqno;
        [FieldOffset(20)] public uint LineSeqno;
        [FieldOffset(24)] public fixed uint Padding[6];
    }
}
