using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The JSON objects of PicoTalk v0.0.20 (PICOTALK.md "Connection to the server" and "Inside a
/// room"), read into one flat record: each message is recognised by the keys it carries. Unknown
/// keys are ignored (a PicoTalk client ignores them too); a known key of the wrong JSON type, a
/// number out of range or anything but one UTF-8 object makes the whole message invalid.
/// </summary>
/// <remarks>
/// <code>
/// server hello        {"version":[0,0,20]}
/// join                {"room_id": 64 hex}
/// joined              {"user_id": n, "udp_port": p, "udp_stream_id": s}
/// UDP check           {"udp_check": "init" | "ok" | "failed"}
/// transport choice    {"use_udp": true | false}
/// events (src 1)      {"event": "peer_joined" | "peer_authenticated" | "peer_disconnected", "peer_id": n}
/// peer-to-peer        {"status":"ok"}, {"user_name": s, "audio_encryption_key": 64 hex}, {"chat_message": s}
/// </code>
/// Our extra keys (<see cref="RoomExtensions"/>): "picotalk_ext" (a set of extensions) in the join,
/// "joined" and "peer_joined"; "picotalk_key_epoch" and "picotalk_key_from" beside a rotated
/// "audio_encryption_key".
/// Parsing allocates (strings); it is on the signalling path, never the audio path.
/// </remarks>
public sealed record RoomMessage
{
    public static readonly int[] ProtocolVersion = [0, 0, 20];

    public const string PeerJoined = "peer_joined";
    public const string PeerAuthenticated = "peer_authenticated";
    public const string PeerDisconnected = "peer_disconnected";

    // Our bounds: no PicoTalk message comes near them.
    private const int MaxDepth = 3;
    private const int MaxVersionParts = 8;

    public int[]? Version { get; init; }

    public string? RoomId { get; init; }

    public ushort? UserId { get; init; }

    public ushort? UdpPort { get; init; }

    public uint? UdpStreamId { get; init; }

    public string? UdpCheck { get; init; }

    public bool? UseUdp { get; init; }

    public string? Event { get; init; }

    public ushort? PeerId { get; init; }

    public string? Status { get; init; }

    public string? UserName { get; init; }

    public string? AudioEncryptionKey { get; init; }

    public string? ChatMessage { get; init; }

    /// <summary>"picotalk_ext": the extensions the sender speaks (join, joined) or the joiner speaks (peer_joined).</summary>
    public RoomExtensions? Extensions { get; init; }

    /// <summary>"picotalk_key_epoch": which of the sender's audio keys this is (0 the first, counting up on each rotation, modulo 256).</summary>
    public byte? KeyEpoch { get; init; }

    /// <summary>"picotalk_key_from": the first frame nonce the sender encrypts under this key.</summary>
    public uint? KeyFrom { get; init; }

    /// <summary>True for the server hello a PicoTalk client accepts: exactly version [0, 0, 20].</summary>
    public bool IsSupportedVersion => Version is { } v && v.AsSpan().SequenceEqual(ProtocolVersion);

    /// <summary>Reads one JSON object; false (never an exception) for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out RoomMessage message)
    {
        message = new RoomMessage();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var result = new RoomMessage();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                var read = ReadProperty(ref reader, name, result);
                if (read is null)
                {
                    return false;
                }

                result = read;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false; // unterminated, or bytes after the object
            }

            message = result;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // JsonException: malformed JSON; InvalidOperationException: a value of another type or
            // invalid UTF-8 in a string; FormatException: a number GetString refused.
            return false;
        }
    }

    /// <summary>Writes this message as compact UTF-8 JSON (Python's json.loads accepts it).</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (Version is { } version)
            {
                writer.WriteStartArray("version");
                foreach (int part in version)
                {
                    writer.WriteNumberValue(part);
                }

                writer.WriteEndArray();
            }

            WriteString(writer, "room_id", RoomId);
            WriteNumber(writer, "user_id", UserId);
            WriteNumber(writer, "udp_port", UdpPort);
            WriteNumber(writer, "udp_stream_id", UdpStreamId);
            WriteString(writer, "udp_check", UdpCheck);
            if (UseUdp is { } useUdp)
            {
                writer.WriteBoolean("use_udp", useUdp);
            }

            WriteString(writer, "event", Event);
            WriteNumber(writer, "peer_id", PeerId);
            WriteString(writer, "status", Status);
            WriteString(writer, "user_name", UserName);
            WriteString(writer, "audio_encryption_key", AudioEncryptionKey);
            WriteString(writer, "chat_message", ChatMessage);
            WriteNumber(writer, "picotalk_ext", Extensions is { } ext ? (long)ext : null);
            WriteNumber(writer, "picotalk_key_epoch", KeyEpoch);
            WriteNumber(writer, "picotalk_key_from", KeyFrom);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public override string ToString() => Encoding.UTF8.GetString(ToJson());

    private static RoomMessage? ReadProperty(ref Utf8JsonReader reader, string name, RoomMessage m)
    {
        switch (name)
        {
            case "version":
                return ReadVersion(ref reader) is { } v ? m with { Version = v } : null;
            case "room_id":
                return ReadString(ref reader) is { } roomId ? m with { RoomId = roomId } : null;
            case "user_id":
                return ReadNumber(ref reader, ushort.MaxValue) is { } userId ? m with { UserId = (ushort)userId } : null;
            case "udp_port":
                return ReadNumber(ref reader, ushort.MaxValue) is { } port ? m with { UdpPort = (ushort)port } : null;
            case "udp_stream_id":
                return ReadNumber(ref reader, uint.MaxValue) is { } stream ? m with { UdpStreamId = (uint)stream } : null;
            case "udp_check":
                return ReadString(ref reader) is { } check ? m with { UdpCheck = check } : null;
            case "use_udp":
                return reader.TokenType is JsonTokenType.True or JsonTokenType.False ? m with { UseUdp = reader.GetBoolean() } : null;
            case "event":
                return ReadString(ref reader) is { } ev ? m with { Event = ev } : null;
            case "peer_id":
                return ReadNumber(ref reader, ushort.MaxValue) is { } peer ? m with { PeerId = (ushort)peer } : null;
            case "status":
                return ReadString(ref reader) is { } status ? m with { Status = status } : null;
            case "user_name":
                return ReadString(ref reader) is { } user ? m with { UserName = user } : null;
            case "audio_encryption_key":
                return ReadString(ref reader) is { } key ? m with { AudioEncryptionKey = key } : null;
            case "chat_message":
                return ReadString(ref reader) is { } chat ? m with { ChatMessage = chat } : null;
            case "picotalk_ext":
                // Bits this build does not know are dropped: a later version's extension is not ours to use.
                return ReadNumber(ref reader, ushort.MaxValue) is { } ext ? m with { Extensions = (RoomExtensions)ext & RoomExtensions.All } : null;
            case "picotalk_key_epoch":
                return ReadNumber(ref reader, byte.MaxValue) is { } epoch ? m with { KeyEpoch = (byte)epoch } : null;
            case "picotalk_key_from":
                return ReadNumber(ref reader, uint.MaxValue) is { } from ? m with { KeyFrom = (uint)from } : null;
            default:
                reader.Skip();
                return m;
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    private static long? ReadNumber(ref Utf8JsonReader reader, long max) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value >= 0 && value <= max ? value : null;

    private static int[]? ReadVersion(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return null;
        }

        var parts = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (parts.Count == MaxVersionParts || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int part))
            {
                return null;
            }

            parts.Add(part);
        }

        return [.. parts];
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }
}
