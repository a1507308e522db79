using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>
/// <c>picotalk rooms ...</c> (issue 7: "picotalk rooms join|leave|say|members"): the operands turned
/// into <see cref="RoomsArgs"/>, and the <see cref="RoomStatus"/> and room events printed for people.
/// </summary>
public static class RoomsCommandLine
{
    public const string Usage = "'rooms' takes 'join [HOST:PORT] ROOM PASSWORD [NAME] [tcp|udp|ws] [accept-new-key]' (without HOST:PORT the room is found by name on the DHT), 'leave', 'say TEXT', 'members' or 'talk on|off'";

    /// <summary>
    /// <c>rooms</c> / <c>rooms members</c>, <c>rooms join [HOST:PORT] ROOM PASSWORD [NAME]</c>
    /// (a trailing <c>tcp</c>, <c>udp</c> or <c>ws</c> picks the transport; <c>accept-new-key</c> re-pins
    /// a server whose key changed), <c>rooms leave</c>, <c>rooms say TEXT...</c>, <c>rooms talk on|off</c>.
    /// Without HOST:PORT the daemon finds the room's server by name on the DHT; so a first operand
    /// that reads as HOST:PORT (ends in ":" and a port) is the server, and a room whose name reads so
    /// needs its server's address.
    /// </summary>
    public static bool TryArguments(IReadOnlyList<string> operands, out JsonElement? arguments, out string usage)
    {
        RoomsArgs? args = operands switch
        {
            [] or [RoomOps.Members] => new RoomsArgs(RoomOps.Members),
            [RoomOps.Join, var server, ..] when operands.Count >= 4 && IsHostPort(server) => Join(operands, server, 2),
            [RoomOps.Join, var room, ..] when operands.Count >= 3 && !IsHostPort(room) => Join(operands, null, 1),
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

    /// <summary>"host:port" or "[v6]:port" with a port of 1 to 65535 (as the daemon's "server" arg).</summary>
    private static bool IsHostPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && ushort.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out ushort port) && port > 0;
    }

    /// <summary>The join whose ROOM is <paramref name="operands"/>[<paramref name="room"/>], PASSWORD the next, then the optional ones.</summary>
    private static RoomsArgs? Join(IReadOnlyList<string> operands, string? server, int room)
    {
        string? name = null;
        string? transport = null;
        bool acceptNewKey = false;
        foreach (string extra in operands.Skip(room + 2))
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

        return new RoomsArgs(RoomOps.Join, server, transport, operands[room], operands[room + 1], name, acceptNewKey ? true : null);
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
        if (status.FoundBy == "dht")
        {
            output.WriteLine("server: found by the room's name on the DHT");
        }

        if (status.ServerKeyPin == RoomKeyPins.FirstUse)
        {
            output.WriteLine("server key: first use, pinned now (nothing was pinned to check it against; compare the key with the server's log)");
        }
        else if (status.ServerKeyPin == RoomKeyPins.Repinned)
        {
            output.WriteLine("server key: pinned anew (accept-new-key)");
        }

        output.WriteLine($"talking: {(status.Talking ? "yes" : "no")}");
        if (status.Audio is { } audio)
        {
            output.WriteLine(audio.WideAudio
                ? $"audio: wide lanes, mix checked ({audio.VerifiedMixes} checked, {audio.UncheckedMixes} unchecked with a PicoTalk member, {audio.AlteredMixes} altered by the server, {audio.LostMixes} lost), key #{audio.KeyEpoch}"
                : $"audio: PicoTalk frames, the mix cannot be checked ({audio.UncheckedMixes} mixes), key #{audio.KeyEpoch}");
        }

        foreach (var member in status.Members)
        {
            output.WriteLine($"member {member.Id}: {member.Name ?? "(no name yet)"}{(member.Verified ? "" : member.WrongPassword ? " (wrong password)" : " (not verified)")}");
        }
    }

    /// <summary>The line for a <c>room</c> or <c>room_chat</c> event, or null for any other event.</summary>
    public static string? EventLine(ControlEvent evt) => evt.Event switch
    {
        RoomsNames.RoomEvent when evt.ReadData(ControlJsonContext.Default.RoomStatus) is var s =>
            s.State == RoomStates.Idle ? "room: left" : $"room: {s.State} {s.Room} on {s.Server}",
        RoomsNames.ChatEvent when evt.ReadData(ControlJsonContext.Default.RoomChatEventData) is var c =>
            $"room chat: {c.Name ?? $"member {c.From}"}: {c.Text}",
        RoomsNames.WarningEvent when evt.ReadData(ControlJsonContext.Default.RoomWarningEventData) is var w => w.Text,
        _ => null,
    };
}
