using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>
/// <c>picotalk rooms ...</c> (issue 7: "picotalk rooms join|leave|say|members"): the operands turned
/// into <see cref="RoomsArgs"/>, and the <see cref="RoomStatus"/> and room events printed for people.
/// </summary>
public static class RoomsCommandLine
{
    public const string Usage = "'rooms' takes 'join HOST:PORT ROOM PASSWORD [NAME] [tcp|udp|ws] [accept-new-key]', 'leave', 'say TEXT', 'members' or 'talk on|off'";

    /// <summary>
    /// <c>rooms</c> / <c>rooms members</c>, <c>rooms join HOST:PORT ROOM PASSWORD [NAME]</c>
    /// (a trailing <c>tcp</c>, <c>udp</c> or <c>ws</c> picks the transport; <c>accept-new-key</c> re-pins
    /// a server whose key changed), <c>rooms leave</c>, <c>rooms say TEXT...</c>, <c>rooms talk on|off</c>.
    /// </summary>
    public static bool TryArguments(IReadOnlyList<string> operands, out JsonElement? arguments, out string usage)
    {
        RoomsArgs? args = operands switch
        {
            [] or [RoomOps.Members] => new RoomsArgs(RoomOps.Members),
            [RoomOps.Join, ..] when operands.Count >= 4 => Join(operands),
            [RoomOps.Leave] => new RoomsArgs(RoomOps.Leave),
            [RoomOps.Say, ..] when operands.Count >= 2 => new RoomsArgs(RoomOps.Say, Text: string.Join(' ', operands.Skip(1))),
            [RoomOps.Talk, "on"] => new RoomsArgs(RoomOps.Talk, On: true),
            [RoomOps.Talk, "off"] => new RoomsArgs(RoomOps.Talk, On: false),
            _ => null,
        };
        arguments = args is null ? null : JsonSerializer.SerializeToElement(args, ControlJsonContext.Default.RoomsArgs);
        usage = args is null ? Usage : "";
        return args is not null;
    }

    private static RoomsArgs? Join(IReadOnlyList<string> operands)
    {
        string? name = null;
        string? transport = null;
        bool acceptNewKey = false;
        foreach (string extra in operands.Skip(4))
        {
            switch (extra)
            {
                case "tcp" or "udp" or "ws" when transport is null:
                    transport = extra;
                    break;
                case "accept-new-key":
                    acceptNewKey = true;
                    break;
                default:
                    if (name is not null)
                    {
                        return null;
                    }

                    name = extra;
                    break;
            }
        }

        return new RoomsArgs(RoomOps.Join, operands[1], transport, operands[2], operands[3], name, acceptNewKey ? true : null);
    }

    /// <summary>"room: joined lobby on host:port (key ...)", whether we talk, then one line per member.</summary>
    public static void WriteStatus(TextWriter output, RoomStatus status)
    {
        if (status.State == RoomStates.Idle)
        {
            output.WriteLine("room: none");
            return;
        }

        output.WriteLine($"room: {status.State} {status.Room} on {status.Server}" + (status.ServerKeyFingerprint is { } key ? $" (server key {key})" : ""));
        output.WriteLine($"talking: {(status.Talking ? "yes" : "no")}");
        foreach (var member in status.Members)
        {
            output.WriteLine($"member {member.Id}: {member.Name ?? "(no name yet)"}{(member.Verified ? "" : " (not verified)")}");
        }
    }

    /// <summary>The line for a <c>room</c> or <c>room_chat</c> event, or null for any other event.</summary>
    public static string? EventLine(ControlEvent evt) => evt.Event switch
    {
        RoomsNames.RoomEvent when evt.ReadData(ControlJsonContext.Default.RoomStatus) is var s =>
            s.State == RoomStates.Idle ? "room: left" : $"room: {s.State} {s.Room} on {s.Server}",
        RoomsNames.ChatEvent when evt.ReadData(ControlJsonContext.Default.RoomChatEventData) is var c =>
            $"room chat: {c.Name ?? $"member {c.From}"}: {c.Text}",
        _ => null,
    };
}
