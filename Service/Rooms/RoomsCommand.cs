using System.Globalization;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// The <c>rooms</c> control command (issue 7: "picotalk rooms join|leave|say|members"): args as in
/// <see cref="RoomsArgs"/>; every op answers a <see cref="RoomStatus"/>. <c>join</c> answers once the
/// room accepted our password (or with <c>wrong_password</c>, <c>server_key_changed</c>, <c>internal</c>,
/// and <c>not_found</c> when a join without "server" finds no server announcing the room on the DHT).
/// Errors name the field, like the other commands.
/// </summary>
public static class RoomsCommand
{
    public static async Task<ControlReply> HandleAsync(EventLoop loop, RoomController rooms, ControlRequest request)
    {
        var args = new RoomsArgs();
        if (request.Args is not null && !request.TryReadArgs(ControlJsonContext.Default.RoomsArgs, out args, out string problem))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
        }

        RoomCommandResult result;
        switch (args!.Op ?? RoomOps.Members)
        {
            case RoomOps.Join:
                if (Parse(args) is not { } join)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, JoinProblem(args));
                }

                result = await (await loop.InvokeAsync(() => rooms.JoinAsync(join)).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RoomOps.Leave:
                result = await loop.InvokeAsync(rooms.Leave).ConfigureAwait(false);
                break;
            case RoomOps.Say:
                if (string.IsNullOrEmpty(args.Text))
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "text: say needs the text");
                }

                result = await loop.InvokeAsync(() => rooms.Say(args.Text)).ConfigureAwait(false);
                break;
            case RoomOps.Members:
                result = await loop.InvokeAsync(() => new RoomCommandResult(rooms.Status())).ConfigureAwait(false);
                break;
            case RoomOps.Talk:
                if (args.On is not { } on)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "on: talk needs on: true or false");
                }

                result = await loop.InvokeAsync(() => rooms.Talk(on)).ConfigureAwait(false);
                break;
            default:
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                    $"op: '{args.Op}' is not {RoomOps.Join}, {RoomOps.Leave}, {RoomOps.Say}, {RoomOps.Members} or {RoomOps.Talk}");
        }

        return result.Status is { } status
            ? ControlReply.Success(request.Id, status, ControlJsonContext.Default.RoomStatus)
            : ControlReply.Failure(request.Id, result.ErrorCode!, result.Message!);
    }

    /// <summary>
    /// The join request, or null if a field is missing or malformed (<see cref="JoinProblem"/> says which).
    /// Without "server" the room is found by name on the DHT (host "", port 0): its announce carries the
    /// TCP port, so ws (another port) needs the server's address.
    /// </summary>
    internal static RoomJoinRequest? Parse(RoomsArgs args) =>
        TryServerOrByName(args.Server, out string host, out int port) && TryTransport(args.Transport, out var transport)
        && !(host.Length == 0 && transport == RoomTransport.WebSocket)
        && !string.IsNullOrEmpty(args.Room) && args.Password is not null
            ? new RoomJoinRequest(host, port, transport, args.Room, args.Password, string.IsNullOrWhiteSpace(args.Name) ? "picotalk" : args.Name.Trim(),
                args.AcceptNewKey ?? false, args.Talk ?? false)
            : null;

    private static string JoinProblem(RoomsArgs args) =>
        !TryServerOrByName(args.Server, out _, out _) ? $"server: '{args.Server}' is not HOST:PORT (leave it out to find the room by name on the DHT)"
        : !TryTransport(args.Transport, out var transport) ? $"transport: '{args.Transport}' is not tcp, udp or ws"
        : string.IsNullOrEmpty(args.Server) && transport == RoomTransport.WebSocket ? "transport: ws needs server (the DHT gives the TCP port)"
        : string.IsNullOrEmpty(args.Room) ? "room: join needs the room's name"
        : "password: join needs the room's password";

    /// <summary>Absent or empty: by name (host "", port 0); else as <see cref="TryServer"/>.</summary>
    private static bool TryServerOrByName(string? server, out string host, out int port)
    {
        if (string.IsNullOrEmpty(server))
        {
            (host, port) = ("", 0);
            return true;
        }

        return TryServer(server, out host, out port);
    }

    /// <summary>"host:port" or "[v6]:port", port 1-65535.</summary>
    private static bool TryServer(string? server, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = server?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = server![..colon].Trim('[', ']');
        return host.Length > 0 && (server[0] == '[' || !host.Contains(':', StringComparison.Ordinal));
    }

    private static bool TryTransport(string? name, out RoomTransport transport)
    {
        (bool ok, transport) = (name ?? "udp") switch
        {
            "udp" => (true, RoomTransport.Udp),
            "tcp" => (true, RoomTransport.Tcp),
            "ws" or "websocket" => (true, RoomTransport.WebSocket),
            _ => (false, RoomTransport.Udp),
        };
        return ok;
    }
}
