using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// Encodes control messages as JSON lines: compact UTF-8 and one '\n'. Control characters inside
/// strings are always escaped, so a message can never contain a raw newline.
/// </summary>
public static class ControlLines
{
    public const byte NewLine = (byte)'\n';

    // The default encoder also escapes ', <, > and every non-ASCII character for safe embedding in
    // HTML. These lines go to a socket and a terminal, never into HTML, so keep messages and names
    // readable ("can't", "Küche") and escape only what RFC 8259 §7 requires.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static byte[] Encode(ControlRequest request) => Encode(request, ControlJsonContext.Default.ControlRequest);

    public static byte[] Encode(ControlReply reply) => Encode(reply, ControlJsonContext.Default.ControlReply);

    public static byte[] Encode(ControlEvent evt) => Encode(evt, ControlJsonContext.Default.ControlEvent);

    private static byte[] Encode<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        buffer.GetSpan(1)[0] = NewLine;
        buffer.Advance(1);
        return buffer.WrittenSpan.ToArray();
    }
}
