using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// Writes a timestamp as RFC 3339 UTC with millisecond precision and a "Z" suffix
/// (<c>2026-03-01T12:00:00.250Z</c>), which is what scripts and the browser's Date parse without
/// surprises; System.Text.Json's default would write "+00:00" and seven fraction digits.
/// Reads any RFC 3339 / ISO 8601 timestamp with an offset.
/// </summary>
public sealed class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String
            || !DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new JsonException("expected an RFC 3339 timestamp string");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
