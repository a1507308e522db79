using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// Any line a client reads from the daemon: a reply (has <c>id</c> and <c>ok</c>) or an event (has
/// <c>event</c>). Clients parse with <see cref="TryParse"/>, which tells the two apart.
/// </summary>
public sealed record ControlServerMessage(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ControlError? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Data)
{
    /// <summary>
    /// Parses one line from the daemon. Exactly one of <paramref name="reply"/> and
    /// <paramref name="evt"/> is set on success; on failure <paramref name="problem"/> says why.
    /// Never throws on any input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ControlReply? reply, out ControlEvent? evt, out string problem)
    {
        reply = null;
        evt = null;
        if (!Utf8.IsValid(line))
        {
            problem = "not valid UTF-8";
            return false;
        }

        ControlServerMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(line, ControlJsonContext.Default.ControlServerMessage);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string escape that does not decode (a lone surrogate).
            problem = $"not a JSON object: {e.Message}";
            return false;
        }

        switch (message)
        {
            case { Event: { } name, Id: null }:
                evt = new ControlEvent(name, message.Data is { } data ? data : default(JsonElement));
                if (evt.Data.ValueKind != JsonValueKind.Object)
                {
                    evt = null;
                    problem = $"event '{name}' has no data object";
                    return false;
                }

                problem = string.Empty;
                return true;
            case { Id: { } id, Ok: true, Result: { ValueKind: JsonValueKind.Object } result, Event: null }:
                reply = new ControlReply(id, true, result, null);
                problem = string.Empty;
                return true;
            case { Id: { } id, Ok: false, Error: { } error, Event: null }:
                reply = new ControlReply(id, false, null, error);
                problem = string.Empty;
                return true;
            default:
                problem = "neither a reply (id, ok, result or error) nor an event (event, data)";
                return false;
        }
    }
}
