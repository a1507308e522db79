using System.Net;
using System.Net.Sockets;
using PicoTalk.Hal.Audio.Alsa;
using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The daemon's answers to control commands. Each command that reads or changes state runs on the
/// event loop (<see cref="Loop.EventLoop.InvokeAsync{T}"/>); name resolution for <c>dial</c> runs off it.
/// </summary>
internal sealed partial class DaemonControlHandler(PicoTalkDaemon daemon) : IControlHandler
{
    public async Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Cmd)
        {
            case ControlCommands.Id:
                return ControlReply.Success(request.Id, new IdResult(daemon.Id.ToString()), ControlJsonContext.Default.IdResult);
            case ControlCommands.Devices:
                return ControlReply.Success(request.Id, Devices(), ControlJsonContext.Default.DevicesResult);
            case ControlCommands.Status:
                return await daemon.Loop.InvokeAsync(() =>
                    ControlReply.Success(request.Id, Status(), ControlJsonContext.Default.StatusResult)).ConfigureAwait(false);
            case ControlCommands.Dial:
                return await DialAsync(request, cancellationToken).ConfigureAwait(false);
            case ControlCommands.Answer:
                return await Command(request, c => c.Answer()).ConfigureAwait(false);
            case ControlCommands.Hangup:
                return await Command(request, c => c.Hangup()).ConfigureAwait(false);
            case ControlCommands.Press:
            case ControlCommands.Release:
                return await ButtonAsync(request).ConfigureAwait(false);
            case ApplianceCommands.Door:
                return await Command(request, c => c.RequestDoor()).ConfigureAwait(false);
            case ControlCommands.Contacts:
                return await ContactsCommand.HandleAsync(daemon.Loop, daemon.Contacts, request).ConfigureAwait(false);
            case WebCommands.Config:
                return await daemon.Config.HandleAsync(request).ConfigureAwait(false);
            case WebCommands.Reject:
                return await Command(request, c => c.Reject()).ConfigureAwait(false);
            case WebCommands.Mute:
                return await WebPageCommands.MuteAsync(daemon, request).ConfigureAwait(false);
            case WebCommands.History:
                return await WebPageCommands.HistoryAsync(daemon, request).ConfigureAwait(false);
            case WebCommands.Log:
                return WebPageCommands.Log(daemon.Log, request);
            case WebCommands.Tone:
                return await WebPageCommands.ToneAsync(daemon, request).ConfigureAwait(false);
            case Protocol.Control.RoomsNames.Command:
                // A room and a call never share the sound card: a join waits for the call to end.
                if (await daemon.Loop.InvokeAsync(() => daemon.Calls.State != CallState.Idle).ConfigureAwait(false)
                    && request.TryReadArgs(ControlJsonContext.Default.RoomsArgs, out var roomArgs, out _) && roomArgs?.Op == Protocol.Control.RoomOps.Join)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.Busy, "in a call: hang up before joining a room");
                }

                return await Rooms.RoomsCommand.HandleAsync(daemon.Loop, await daemon.Loop.InvokeAsync(() => daemon.RoomClient).ConfigureAwait(false), request).ConfigureAwait(false);
            default:
                return ControlReply.Failure(request.Id, ControlErrorCodes.UnknownCommand, $"unknown command '{request.Cmd}'");
        }
    }

    private Task<ControlReply> Command(ControlRequest request, Func<CallController, CallCommandResult> command) =>
        daemon.Loop.InvokeAsync(() =>
        {
            var result = command(daemon.Calls);
            return result.Success
                ? ControlReply.Success(request.Id, new StateResult(daemon.Calls.State.WireName()), ControlJsonContext.Default.StateResult)
                : ControlReply.Failure(request.Id, result.ErrorCode!, result.Message!);
        });

    private async Task<ControlReply> DialAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        if (!request.TryReadArgs(ControlJsonContext.Default.DialArgs, out var args, out string problem) || string.IsNullOrWhiteSpace(args!.To))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                problem.Length > 0 ? problem : "dial needs args.to: HOST:PORT or HOST:PORT/ID");
        }

        string to = args.To.Trim();
        bool byId = NodeId.TryParse(to, out var idAlone);
        var (target, error) = byId ? default : await ResolveAsync(to, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, error);
        }

        return await daemon.Loop.InvokeAsync(() =>
        {
            if (daemon.InRoom)
            {
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidState, "in a room: leave it first (picotalk rooms leave)");
            }

            var result = byId ? daemon.Calls.Dial(idAlone) : daemon.Calls.Dial(target.Remote, target.Id);
            return result.Success
                ? ControlReply.Success(request.Id, Summary(daemon.Calls.Current!), ControlJsonContext.Default.CallSummary)
                : ControlReply.Failure(request.Id, result.ErrorCode!, result.Message!);
        }).ConfigureAwait(false);
    }

    /// <summary>"HOST:PORT" or "HOST:PORT/ID" (HOST a name, an IPv4 address or [IPv6]); an ID alone
    /// is resolved by the call controller instead.</summary>
    internal static async Task<((PeerEndpoint Remote, NodeId Id) Target, string? Error)> ResolveAsync(string to, CancellationToken cancellationToken)
    {
        var id = NodeId.Zero;
        string address = to;
        int slash = to.LastIndexOf('/');
        if (slash >= 0)
        {
            if (!NodeId.TryParse(to.AsSpan(slash + 1), out id))
            {
                return (default, $"'{to[(slash + 1)..]}' is not a {NodeId.HexLength}-hex-digit ID");
            }

            address = to[..slash];
        }

        if (PeerEndpoint.TryParse(address, out var endpoint))
        {
            return ((endpoint, id), null);
        }

        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(address.AsSpan(colon + 1), out ushort port) || port == 0)
        {
            return (default, $"'{to}' is not HOST:PORT or HOST:PORT/ID");
        }

        string host = address[..colon].Trim('[', ']');
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null
                ? (default, $"'{host}' has no address")
                : ((PeerEndpoint.FromIPEndPoint(new IPEndPoint(chosen, port)), id), null);
        }
        catch (SocketException e)
        {
            return (default, $"cannot resolve '{host}': {e.Message}");
        }
    }

    private StatusResult Status()
    {
        var call = daemon.Calls.Current;
        DhtSummary? dht = null;
        if (daemon.Dht is { } node)
        {
            var table = node.Table.GetStatistics();
            dht = new DhtSummary(table.Nodes, table.Good, table.Buckets, daemon.LanPeersHeard, node.ExternalAddress?.ToString(),
                NatWireName(node.NatObserver), node.KeepaliveTargets.Count);
        }

        return new StatusResult(daemon.Calls.State.WireName(), daemon.Id.ToString(), daemon.UdpPort, ThisAssembly.Version,
            call is null ? null : Summary(call), daemon.Drops.Snapshot(), dht, daemon.Appliance.Summary(), daemon.UptimeSeconds);
    }

    private static string NatWireName(NatObserver nat) => nat.IsBehindNat == false
        ? NatKinds.None
        : nat.Mapping switch
        {
            NatMapping.EndpointIndependent => NatKinds.EndpointIndependent,
            NatMapping.EndpointDependent => NatKinds.EndpointDependent,
            _ => NatKinds.Unknown,
        };

    /// <summary>On the loop. The name is the contact's, when the peer's authenticated ID is a contact
    /// (the owner's own name for it, and known for outgoing calls too), else the name the caller sent.</summary>
    private CallSummary Summary(Call call)
    {
        string? name = call.PeerId.IsZero ? call.PeerName : daemon.Contacts.Find(call.PeerId)?.Name ?? call.PeerName;
        return new CallSummary(call.PeerId.IsZero ? null : call.PeerId.ToString(), call.Remote?.ToString(),
            call.Direction == CallDirection.Outgoing ? "outgoing" : "incoming", name, call.Since,
            Counters(call.Media));
    }

    /// <summary>Not on the loop: listing ALSA's hints reads its configuration, nothing of ours.</summary>
    private DevicesResult Devices()
    {
        var devices = new List<AudioDeviceEntry>();
        string? alsaError = null;
        try
        {
            foreach (var device in AlsaDeviceList.List())
            {
                devices.Add(new AudioDeviceEntry("alsa:" + device.Name, device.Description, device.CanCapture, device.CanPlay));
            }
        }
        catch (AlsaException e)
        {
            alsaError = e.Message; // libasound missing: the built-in devices still work
        }

        devices.Add(new AudioDeviceEntry("sim", "simulated microphone and speaker (the web page's test tone)", true, true));
        devices.Add(new AudioDeviceEntry("silence", "a microphone that hears nothing", true, false));
        devices.Add(new AudioDeviceEntry("null", "a speaker that discards everything", false, true));
        return new DevicesResult(daemon.Settings.AudioIn.ToString(), daemon.Settings.AudioOut.ToString(), devices, alsaError);
    }

    private static CallMediaCounters Counters(ICallMedia? media)
    {
        if (media is null)
        {
            // Not answered yet: nothing flows, and there is no bitrate or buffer to show.
            return new CallMediaCounters(0, 0, 0);
        }

        var m = media.Stats;
        return new CallMediaCounters(m.FramesSent, m.FramesReceived, m.Concealed, m.FecRecovered, m.Late,
            m.BitrateBps, m.JitterBufferMs, m.LossPercent, m.JitterMs, m.RoundTripMs, m.MouthToEarMs, m.Fec, m.PeerLossPercent, m.InputLevelDb);
    }
}

internal static class ThisAssembly
{
    public static readonly string Version =
        typeof(ThisAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
