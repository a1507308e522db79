using System.Runtime.InteropServices;
using PicoTalk.Hal.Gpio;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>
/// The C# side of the GPIO uAPI against the C headers of this machine (issue 5, "Done when"): every
/// struct size and field offset the driver relies on, every flag, attribute and event id, every
/// ioctl number and libc constant, and the bytes of whole line requests, compared with what gcc
/// makes of linux/gpio.h.
/// </summary>
public sealed unsafe class GpioUapiLayoutTests
{
    private const string InputFlagsC =
        "GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING";

    [Fact]
    public void EverySizeOffsetFlagAndIoctlNumberMatchesTheCHeaders()
    {
        var figures = Figures();
        var (c, _) = UapiProbe.Run(figures.Select(f => f.Figure), []);

        var mismatches = figures
            .Where(f => c[f.Figure.Name] != f.CSharp)
            .Select(f => $"  {f.Figure.Name}: C says {c[f.Figure.Name]} (0x{c[f.Figure.Name]:x}), C# uses {f.CSharp} (0x{f.CSharp:x})")
            .ToList();
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} of {figures.Count} uAPI figures differ from linux/gpio.h:\n{string.Join("\n", mismatches)}");
        Assert.True(figures.Count > 60, $"only {figures.Count} figures compared");
    }

    [Fact]
    public void LineRequestsBuiltInCSharpAreByteIdenticalToTheSameRequestsBuiltInC()
    {
        var consumer40 = new string('c', 40);   // cut to 31 bytes + NUL on both sides
        var cases = new (UapiProbe.Request C, ulong Flags)[]
        {
            (new("buttons", [17, 27, 22], InputFlagsC + " | GPIO_V2_LINE_FLAG_ACTIVE_LOW | GPIO_V2_LINE_FLAG_BIAS_PULL_UP", "picotalkd"),
                GpioChip.InputFlags(new GpioInputOptions())),
            (new("plain_input", [5], InputFlagsC, "x"),
                GpioChip.InputFlags(new GpioInputOptions(ActiveLow: false, PullUp: false))),
            (new("led", [23], "GPIO_V2_LINE_FLAG_OUTPUT", "picotalkd status led"),
                GpioChip.OutputFlags(activeLow: false)),
            (new("relay", [25], "GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW", consumer40),
                GpioChip.OutputFlags(activeLow: true)),
            (new("all_64", Enumerable.Range(0, 64).Reverse().ToArray(), InputFlagsC + " | GPIO_V2_LINE_FLAG_BIAS_PULL_UP", "p"),
                GpioChip.InputFlags(new GpioInputOptions(ActiveLow: false))),
        };

        var (_, cBytes) = UapiProbe.Run([], cases.Select(k => k.C));
        var failures = new List<string>();
        foreach (var (request, flags) in cases)
        {
            var built = GpioUapi.BuildLineRequest(request.Lines, flags, request.Consumer, eventBufferSize: 0);
            string ours = Convert.ToHexStringLower(MemoryMarshal.AsBytes(new ReadOnlySpan<GpioUapi.LineRequest>(ref built)));
            string theirs = cBytes[request.Name];
            if (ours != theirs)
            {
                int at = Enumerable.Range(0, Math.Min(ours.Length, theirs.Length) / 2)
                    .FirstOrDefault(i => ours.Substring(i * 2, 2) != theirs.Substring(i * 2, 2), -1);
                failures.Add($"  {request.Name}: {ours.Length / 2} bytes vs C's {theirs.Length / 2}, first difference at byte {at}");
            }
        }

        Assert.True(failures.Count == 0, $"line requests differ from C's:\n{string.Join("\n", failures)}");
    }

    private static List<(UapiProbe.Figure Figure, ulong CSharp)> Figures()
    {
        var list = new List<(UapiProbe.Figure, ulong)>();
        void Add(string name, string c, long csharp) => list.Add((new UapiProbe.Figure(name, c), (ulong)csharp));
        void AddU(string name, string c, ulong csharp) => list.Add((new UapiProbe.Figure(name, c), csharp));

        // Offsets are measured on real instances (pointer differences), i.e. the layout the
        // runtime actually hands to ioctl(2) and read(2).
        GpioUapi.ChipInfo info = default;
        byte* ib = (byte*)&info;
        Add("sizeof.gpiochip_info", "sizeof(struct gpiochip_info)", sizeof(GpioUapi.ChipInfo));
        Add("gpiochip_info.name", "offsetof(struct gpiochip_info, name)", info.Name - ib);
        Add("gpiochip_info.label", "offsetof(struct gpiochip_info, label)", info.Label - ib);
        Add("gpiochip_info.lines", "offsetof(struct gpiochip_info, lines)", (byte*)&info.Lines - ib);

        GpioUapi.LineValues values = default;
        byte* vb = (byte*)&values;
        Add("sizeof.gpio_v2_line_values", "sizeof(struct gpio_v2_line_values)", sizeof(GpioUapi.LineValues));
        Add("gpio_v2_line_values.bits", "offsetof(struct gpio_v2_line_values, bits)", (byte*)&values.Bits - vb);
        Add("gpio_v2_line_values.mask", "offsetof(struct gpio_v2_line_values, mask)", (byte*)&values.Mask - vb);

        GpioUapi.LineAttribute attribute = default;
        byte* ab = (byte*)&attribute;
        Add("sizeof.gpio_v2_line_attribute", "sizeof(struct gpio_v2_line_attribute)", sizeof(GpioUapi.LineAttribute));
        Add("gpio_v2_line_attribute.id", "offsetof(struct gpio_v2_line_attribute, id)", (byte*)&attribute.Id - ab);
        Add("gpio_v2_line_attribute.padding", "offsetof(struct gpio_v2_line_attribute, padding)", (byte*)&attribute.Padding - ab);
        Add("gpio_v2_line_attribute.flags", "offsetof(struct gpio_v2_line_attribute, flags)", (byte*)&attribute.Flags - ab);
        Add("gpio_v2_line_attribute.values", "offsetof(struct gpio_v2_line_attribute, values)", (byte*)&attribute.Values - ab);
        Add("gpio_v2_line_attribute.debounce_period_us", "offsetof(struct gpio_v2_line_attribute, debounce_period_us)",
            (byte*)&attribute.DebouncePeriodUs - ab);

        GpioUapi.LineConfigAttribute configAttribute = default;
        byte* cab = (byte*)&configAttribute;
        Add("sizeof.gpio_v2_line_config_attribute", "sizeof(struct gpio_v2_line_config_attribute)", sizeof(GpioUapi.LineConfigAttribute));
        Add("gpio_v2_line_config_attribute.attr", "offsetof(struct gpio_v2_line_config_attribute, attr)", (byte*)&configAttribute.Attr - cab);
        Add("gpio_v2_line_config_attribute.mask", "offsetof(struct gpio_v2_line_config_attribute, mask)", (byte*)&configAttribute.Mask - cab);

        GpioUapi.LineConfig config = default;
        byte* cb = (byte*)&config;
        Add("sizeof.gpio_v2_line_config", "sizeof(struct gpio_v2_line_config)", sizeof(GpioUapi.LineConfig));
        Add("gpio_v2_line_config.flags", "offsetof(struct gpio_v2_line_config, flags)", (byte*)&config.Flags - cb);
        Add("gpio_v2_line_config.num_attrs", "offsetof(struct gpio_v2_line_config, num_attrs)", (byte*)&config.NumAttrs - cb);
        Add("gpio_v2_line_config.padding", "offsetof(struct gpio_v2_line_config, padding)", (byte*)config.Padding - cb);
        Add("gpio_v2_line_config.attrs", "offsetof(struct gpio_v2_line_config, attrs)", (byte*)&config.Attrs - cb);
        Add("gpio_v2_line_config.attrs[1]", "offsetof(struct gpio_v2_line_config, attrs[1])", (byte*)&config.Attrs[1] - cb);
        Add("sizeof.gpio_v2_line_config.attrs", "sizeof(((struct gpio_v2_line_config *)0)->attrs)", sizeof(GpioUapi.LineConfigAttributes));

        GpioUapi.LineRequest request = default;
        byte* rb = (byte*)&request;
        Add("sizeof.gpio_v2_line_request", "sizeof(struct gpio_v2_line_request)", sizeof(GpioUapi.LineRequest));
        Add("gpio_v2_line_request.offsets", "offsetof(struct gpio_v2_line_request, offsets)", (byte*)request.Offsets - rb);
        Add("gpio_v2_line_request.offsets[63]", "offsetof(struct gpio_v2_line_request, offsets[63])", (byte*)&request.Offsets[63] - rb);
        Add("gpio_v2_line_request.consumer", "offsetof(struct gpio_v2_line_request, consumer)", request.Consumer - rb);
        Add("gpio_v2_line_request.config", "offsetof(struct gpio_v2_line_request, config)", (byte*)&request.Config - rb);
        Add("gpio_v2_line_request.config.flags", "offsetof(struct gpio_v2_line_request, config.flags)", (byte*)&request.Config.Flags - rb);
        Add("gpio_v2_line_request.config.attrs[9].mask", "offsetof(struct gpio_v2_line_request, config.attrs[9].mask)",
            (byte*)&request.Config.Attrs[9].Mask - rb);
        Add("gpio_v2_line_request.num_lines", "offsetof(struct gpio_v2_line_request, num_lines)", (byte*)&request.NumLines - rb);
        Add("gpio_v2_line_request.event_buffer_size", "offsetof(struct gpio_v2_line_request, event_buffer_size)",
            (byte*)&request.EventBufferSize - rb);
        Add("gpio_v2_line_request.padding", "offsetof(struct gpio_v2_line_request, padding)", (byte*)request.Padding - rb);
        Add("gpio_v2_line_request.fd", "offsetof(struct gpio_v2_line_request, fd)", (byte*)&request.Fd - rb);

        GpioUapi.LineEvent lineEvent = default;
        byte* eb = (byte*)&lineEvent;
        Add("sizeof.gpio_v2_line_event", "sizeof(struct gpio_v2_line_event)", sizeof(GpioUapi.LineEvent));
        Add("gpio_v2_line_event.timestamp_ns", "offsetof(struct gpio_v2_line_event, timestamp_ns)", (byte*)&lineEvent.TimestampNs - eb);
        Add("gpio_v2_line_event.id", "offsetof(struct gpio_v2_line_event, id)", (byte*)&lineEvent.Id - eb);
        Add("gpio_v2_line_event.offset", "offsetof(struct gpio_v2_line_event, offset)", (byte*)&lineEvent.Offset - eb);
        Add("gpio_v2_line_event.seqno", "offsetof(struct gpio_v2_line_event, seqno)", (byte*)&lineEvent.Seqno - eb);
        Add("gpio_v2_line_event.line_seqno", "offsetof(struct gpio_v2_line_event, line_seqno)", (byte*)&lineEvent.LineSeqno - eb);
        Add("gpio_v2_line_event.padding", "offsetof(struct gpio_v2_line_event, padding)", (byte*)lineEvent.Padding - eb);

        Add("GPIO_MAX_NAME_SIZE", "GPIO_MAX_NAME_SIZE", GpioUapi.MaxNameSize);
        Add("GPIO_V2_LINES_MAX", "GPIO_V2_LINES_MAX", GpioUapi.LinesMax);
        Add("GPIO_V2_LINE_NUM_ATTRS_MAX", "GPIO_V2_LINE_NUM_ATTRS_MAX", GpioUapi.NumAttrsMax);
        AddU("GPIO_V2_LINE_FLAG_ACTIVE_LOW", "GPIO_V2_LINE_FLAG_ACTIVE_LOW", GpioUapi.FlagActiveLow);
        AddU("GPIO_V2_LINE_FLAG_INPUT", "GPIO_V2_LINE_FLAG_INPUT", GpioUapi.FlagInput);
        AddU("GPIO_V2_LINE_FLAG_OUTPUT", "GPIO_V2_LINE_FLAG_OUTPUT", GpioUapi.FlagOutput);
        AddU("GPIO_V2_LINE_FLAG_EDGE_RISING", "GPIO_V2_LINE_FLAG_EDGE_RISING", GpioUapi.FlagEdgeRising);
        AddU("GPIO_V2_LINE_FLAG_EDGE_FALLING", "GPIO_V2_LINE_FLAG_EDGE_FALLING", GpioUapi.FlagEdgeFalling);
        AddU("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", "GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GpioUapi.FlagBiasPullUp);
        AddU("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", "GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GpioUapi.FlagBiasPullDown);
        AddU("GPIO_V2_LINE_FLAG_BIAS_DISABLED", "GPIO_V2_LINE_FLAG_BIAS_DISABLED", GpioUapi.FlagBiasDisabled);
        Add("GPIO_V2_LINE_ATTR_ID_FLAGS", "GPIO_V2_LINE_ATTR_ID_FLAGS", GpioUapi.AttrIdFlags);
        Add("GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", "GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", GpioUapi.AttrIdOutputValues);
        Add("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", "GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GpioUapi.AttrIdDebounce);
        Add("GPIO_V2_LINE_EVENT_RISING_EDGE", "GPIO_V2_LINE_EVENT_RISING_EDGE", GpioUapi.EventRisingEdge);
        Add("GPIO_V2_LINE_EVENT_FALLING_EDGE", "GPIO_V2_LINE_EVENT_FALLING_EDGE", GpioUapi.EventFallingEdge);
        AddU("GPIO_GET_CHIPINFO_IOCTL", "GPIO_GET_CHIPINFO_IOCTL", GpioUapi.GetChipInfoIoctl);
        AddU("GPIO_V2_GET_LINE_IOCTL", "GPIO_V2_GET_LINE_IOCTL", GpioUapi.GetLineIoctl);
        AddU("GPIO_V2_LINE_GET_VALUES_IOCTL", "GPIO_V2_LINE_GET_VALUES_IOCTL", GpioUapi.LineGetValuesIoctl);
        AddU("GPIO_V2_LINE_SET_VALUES_IOCTL", "GPIO_V2_LINE_SET_VALUES_IOCTL", GpioUapi.LineSetValuesIoctl);

        Add("O_RDWR", "O_RDWR", GpioNative.O_RDWR);
        Add("O_NONBLOCK", "O_NONBLOCK", GpioNative.O_NONBLOCK);
        Add("O_CLOEXEC", "O_CLOEXEC", GpioNative.O_CLOEXEC);
        Add("F_GETFL", "F_GETFL", GpioNative.F_GETFL);
        Add("F_SETFL", "F_SETFL", GpioNative.F_SETFL);
        Add("EFD_NONBLOCK", "EFD_NONBLOCK", GpioNative.EFD_NONBLOCK);
        Add("EFD_CLOEXEC", "EFD_CLOEXEC", GpioNative.EFD_CLOEXEC);
        Add("EAGAIN", "EAGAIN", GpioNative.EAGAIN);
        Add("EINTR", "EINTR", GpioNative.EINTR);
        Add("POLLIN", "POLLIN", PollNative.PollIn);
        return list;
    }
}
