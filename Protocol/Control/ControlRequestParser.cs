using System.Text.Json;
using System.Text.Unicode;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// Turns one request line into a <see cref="ControlRequest"/>, or into the <c>bad_request</c>
/// reply the server sends back (DESIGN.md "Control socket"). Never throws on any input: the
/// typed failure is the reply, so one bad line costs a client one error and not its connection.
/// </summary>
public static class ControlRequestParser
{
    /// <summary>Longest command name; every name in <see cref="ControlCommands"/> is far shorter.</summary>
    public const int MaxCommandLength = 64;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = ControlLimits.MaxJsonDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>
    /// Parses <paramref name="line"/> (UTF-8, without its newline). On failure
    /// <paramref name="badRequest"/> is a <c>bad_request</c> reply carrying the request's id when
    /// that much could be read, else <see cref="ControlLimits.UnknownId"/>.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> line, out ControlRequest? request, out ControlReply? badRequest)
    {
        request = null;
        badRequest = null;
        if (line.Length > ControlLimits.MaxLineBytes)
        {
            badRequest = Bad(ControlLimits.UnknownId, $"request line longer than {ControlLimits.MaxLineBytes} bytes");
            return false;
        }

        // JsonDocument checks UTF-8 only when a string is read, and then throws
        // InvalidOperationException; check the whole line first so that cannot happen.
        if (!Utf8.IsValid(line.Span))
        {
            badRequest = Bad(ControlLimits.UnknownId, "request line is not valid UTF-8");
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, DocumentOptions);
        }
        catch (JsonException e)
        {
            badRequest = Bad(ControlLimits.UnknownId, $"not a JSON object: {e.Message}");
            return false;
        }

        using (document)
        {
            try
            {
                return TryRead(document.RootElement, out request, out badRequest);
            }
            catch (InvalidOperationException e)
            {
                // A string whose escapes do not decode, e.g. a lone "\ud800": JsonDocument
                // accepts it and throws only when the string is read.
                request = null;
                badRequest = Bad(ControlLimits.UnknownId, $"invalid string in request: {e.Message}");
                return false;
            }
        }
    }

    private static bool TryRead(JsonElement root, out ControlRequest? request, out ControlReply? badRequest)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            badRequest = Bad(ControlLimits.UnknownId, "a request is a JSON object");
            return false;
        }

        if (!root.TryGetProperty("id", out var idElement))
        {
            badRequest = Bad(ControlLimits.UnknownId, "missing id");
            return false;
        }

        if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt64(out long id) || id <= 0)
        {
            badRequest = Bad(ControlLimits.UnknownId, "id must be a positive integer");
            return false;
        }

        if (!root.TryGetProperty("cmd", out var cmdElement) || cmdElement.ValueKind != JsonValueKind.String)
        {
            badRequest = Bad(id, "missing cmd (a string)");
            return false;
        }

        string cmd = cmdElement.GetString()!;
        if (!IsCommandName(cmd))
        {
            badRequest = Bad(id, $"cmd must be 1 to {MaxCommandLength} characters of a-z, 0-9, '_' and '-'");
            return false;
        }

        JsonElement? args = null;
        if (root.TryGetProperty("args", out var argsElement))
        {
            switch (argsElement.ValueKind)
            {
                case JsonValueKind.Object:
                    // Clone: the element must outlive the pooled document it came from.
                    args = argsElement.Clone();
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    badRequest = Bad(id, "args must be an object");
                    return false;
            }
        }

        request = new ControlRequest(id, cmd, args);
        badRequest = null;
        return true;
    }

    private static bool IsCommandName(string cmd)
    {
        if (cmd.Length is 0 or > MaxCommandLength)
        {
            return false;
        }

        foreach (char c in cmd)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static ControlReply Bad(long id, string message) =>
        ControlReply.Failure(id, ControlErrorCodes.BadRequest, message);
}
