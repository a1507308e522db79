using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>
/// The default, human-readable output of each command: one "key: value" per line, e.g.
/// <c>state: in_call</c> and <c>peer: &lt;id&gt; at 127.0.0.1:40000</c>. <c>--json</c> bypasses it.
/// </summary>
public static class HumanOutput
{
    public static void WriteStatus(TextWriter output, StatusResult status)
    {
        output.WriteLine($"state: {status.State}");
        output.WriteLine($"id: {status.Id}");
        output.WriteLine($"udp port: {status.UdpPort}");
        output.WriteLine($"version: {status.Version}");
        if (status.UptimeSeconds > 0) // 0 from a daemon that predates it
        {
            output.WriteLine($"uptime: {TimeSpan.FromSeconds(status.UptimeSeconds):d\\.hh\\:mm\\:ss}");
        }

        if (status.Call is { } call)
        {
            WriteCall(output, call);
        }
        else
        {
            output.WriteLine("call: none");
        }

        if (status.Dht is { } dht)
        {
            output.WriteLine($"dht: {dht.Nodes} nodes ({dht.Good} good) in {dht.Buckets} buckets, {dht.LanPeers} found on the LAN"
                + (dht.ExternalAddress is null ? "" : $", seen from outside as {dht.ExternalAddress}"));
            if (dht.Nat is { } nat)
            {
                output.WriteLine($"nat: {NatText(nat)}" + (dht.AnnouncedTo is { } n ? $"; announced to {n} node(s)" : ""));
            }
        }

        if (status.Device is { } device)
        {
            WriteDevice(output, device);
        }

        output.WriteLine(status.Drops.Count == 0
            ? "drops: none"
            : "drops: " + string.Join(", ", status.Drops.Select(d => $"{d.Key} {d.Value}")));
    }

    /// <summary>The appliance's hardware: device state, LEDs, tone, push-to-talk.</summary>
    public static void WriteDevice(TextWriter output, DeviceSummary device)
    {
        output.WriteLine($"device: {device.State}" + (device.Fault is { } fault ? $" ({fault})" : "")
            + (device.DoNotDisturb ? ", do not disturb" : ""));
        output.WriteLine($"leds: status {device.StatusLed}, call {device.CallLed}; tone: {device.Tone}"
            + (device.Talking ? "; talking (PTT held)" : "") + (device.Muted ? "; microphone muted" : "") + $"; gpio: {device.Gpio}");
    }

    /// <summary>What a <c>dht.nat</c> value means for calls (RFC 4787 §4.1 mapping behaviour).</summary>
    public static string NatText(string nat) => nat switch
    {
        NatKinds.None => "none (a public address)",
        NatKinds.EndpointIndependent => "endpoint-independent mapping (a cone NAT: calls reach this appliance by hole punching)",
        NatKinds.EndpointDependent => "endpoint-dependent mapping (a symmetric NAT: only callers with a public address reach this appliance)",
        NatKinds.Unknown => "not known yet (fewer than two DHT nodes have answered)",
        _ => nat,
    };

    public static void WriteCall(TextWriter output, CallSummary call)
    {
        output.WriteLine($"peer: {call.PeerId ?? "(not known yet)"} at {call.Remote ?? "(looking up)"}");
        if (!string.IsNullOrEmpty(call.Name))
        {
            output.WriteLine($"name: {call.Name}");
        }

        output.WriteLine($"direction: {call.Direction}");
        output.WriteLine($"since: {call.Since.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        var m = call.Media;
        output.WriteLine($"media: {m.FramesSent} frames sent, {m.FramesReceived} received, {m.Concealed} concealed, {m.FecRecovered} rebuilt from FEC, {m.Late} late");
        var now = new List<string>(4);
        if (m.BitrateBps is { } bitrate)
        {
            now.Add(FormattableString.Invariant($"sending {bitrate / 1000.0:0.#} kbit/s"));
        }

        if (m.JitterBufferMs is { } buffer)
        {
            now.Add($"jitter buffer {buffer} ms");
        }

        if (m.LossPercent is { } loss)
        {
            now.Add(FormattableString.Invariant($"loss {loss:0.#} %"));
        }

        if (m.RoundTripMs is { } rtt)
        {
            now.Add($"round trip {rtt} ms");
        }

        if (m.MouthToEarMs is { } mouthToEar)
        {
            now.Add($"mouth to ear about {mouthToEar} ms");
        }

        if (m.Fec is true)
        {
            now.Add(m.PeerLossPercent is { } peerLoss ? FormattableString.Invariant($"FEC on ({peerLoss:0.#} % of ours lost)") : "FEC on");
        }

        if (now.Count > 0)
        {
            output.WriteLine($"link: {string.Join(", ", now)}");
        }

        if (m.InputLevelDb is { } level)
        {
            output.WriteLine(FormattableString.Invariant($"microphone: {level:0.#} dBFS"));
        }
    }

    /// <summary>Every stored setting as <c>dotted.key: JSON value</c>, then what waits for a restart.</summary>
    public static void WriteConfig(TextWriter output, ConfigResult config)
    {
        WriteSettings(output, config.Config, "");
        if (config.RestartRequired.Count > 0)
        {
            output.WriteLine($"restart required for: {string.Join(", ", config.RestartRequired)}");
        }
    }

    private static void WriteSettings(TextWriter output, JsonElement value, string key)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in value.EnumerateObject())
            {
                WriteSettings(output, member.Value, key.Length == 0 ? member.Name : $"{key}.{member.Name}");
            }

            return;
        }

        output.WriteLine($"{key}: {value.GetRawText()}");
    }

    /// <summary>One line per call, newest first: when, which way, who, how long, how it ended.</summary>
    public static void WriteHistory(TextWriter output, HistoryResult history)
    {
        if (history.Calls.Count == 0)
        {
            output.WriteLine("calls: none");
            return;
        }

        foreach (var c in history.Calls)
        {
            string who = c.Name is { Length: > 0 } name ? $"{name} ({c.PeerId ?? "?"})" : c.PeerId ?? "(unknown)";
            output.WriteLine($"{c.Started.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  {c.Direction,-8}  {who}  {c.DurationSeconds} s  {c.EndReason}: {c.EndMessage}");
        }
    }

    /// <summary>One line per log line, oldest first: UTC time, level, text.</summary>
    public static void WriteLog(TextWriter output, LogResult log)
    {
        foreach (var line in log.Lines)
        {
            output.WriteLine($"{line.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {line.Level,-5} {line.Message}");
        }
    }

    /// <summary>The devices in use, then one line per device: its spec, in/out, its description.</summary>
    public static void WriteDevices(TextWriter output, DevicesResult devices)
    {
        output.WriteLine($"input: {devices.Input}");
        output.WriteLine($"output: {devices.Output}");
        if (devices.AlsaError is { } error)
        {
            output.WriteLine($"alsa: {error}");
        }

        int width = devices.Devices.Count == 0 ? 0 : devices.Devices.Max(d => d.Spec.Length);
        foreach (var d in devices.Devices)
        {
            string direction = (d.Capture, d.Playback) switch
            {
                (true, true) => "in/out",
                (true, false) => "in    ",
                (false, true) => "   out",
                _ => "      ",
            };
            output.WriteLine($"{d.Spec.PadRight(width)}  {direction}  {d.Description?.ReplaceLineEndings(" ")}".TrimEnd());
        }
    }

    /// <summary>One line per contact: name, ID, then what it may do; or "contacts: none".</summary>
    public static void WriteContacts(TextWriter output, ContactsResult contacts)
    {
        if (contacts.Contacts.Count == 0)
        {
            output.WriteLine("contacts: none");
            return;
        }

        int width = contacts.Contacts.Max(c => c.Name.Length);
        foreach (var c in contacts.Contacts)
        {
            var may = new List<string>(2);
            if (c.AutoAnswer)
            {
                may.Add("auto-answer");
            }

            if (c.MayOpenDoor)
            {
                may.Add("opens the door");
            }

            output.WriteLine($"{c.Name.PadRight(width)}  {c.Id}  {string.Join(", ", may)}".TrimEnd());
        }
    }

    /// <summary>One line per event; an event this client does not know is shown with its raw data.</summary>
    public static void WriteEvent(TextWriter output, ControlEvent evt)
    {
        try
        {
            switch (evt.Event)
            {
                case ControlEventNames.State:
                    var state = evt.ReadData(ControlJsonContext.Default.StateEventData);
                    output.WriteLine($"state: {state.Was} -> {state.Now} (on {state.On})");
                    return;
                case ControlEventNames.Ring:
                    var ring = evt.ReadData(ControlJsonContext.Default.RingEventData);
                    output.WriteLine(string.IsNullOrEmpty(ring.Name)
                        ? $"ring: {ring.PeerId} at {ring.Remote}"
                        : $"ring: {ring.PeerId} at {ring.Remote} ({ring.Name})");
                    return;
                case ControlEventNames.CallEnded:
                    var ended = evt.ReadData(ControlJsonContext.Default.CallEndedEventData);
                    output.WriteLine(string.IsNullOrEmpty(ended.Message)
                        ? $"call ended: {ended.Reason}"
                        : $"call ended: {ended.Reason}: {ended.Message}");
                    return;
                case ApplianceEventNames.Device:
                    var device = evt.ReadData(ControlJsonContext.Default.DeviceEventData);
                    output.WriteLine($"device: {device.Was} -> {device.Now} (on {device.On})" + (device.Fault is { } f ? $": {f}" : ""));
                    return;
                case ApplianceEventNames.Button:
                    var button = evt.ReadData(ControlJsonContext.Default.ButtonEventData);
                    output.WriteLine($"button: {button.Button} {button.Gesture}" + (button.Action == "none" ? "" : $" -> {button.Action}"));
                    return;
                case ApplianceEventNames.Door:
                    var door = evt.ReadData(ControlJsonContext.Default.DoorEventData);
                    output.WriteLine($"door: {door.Direction.Replace('_', ' ')}: {door.Message}");
                    return;
                case RoomsNames.RoomEvent or RoomsNames.ChatEvent:
                    output.WriteLine(RoomsCommandLine.EventLine(evt));
                    return;
            }
        }
        catch (JsonException)
        {
            // A newer daemon may shape the data differently: fall through to the raw form.
        }

        output.WriteLine($"{evt.Event}: {evt.Data.GetRawText()}");
    }
}
