using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Web;

/// <summary><c>{"error":{"code":...,"message":...}}</c>: a refusal (the daemon's codes, or unauthorized, forbidden, ...).</summary>
internal sealed record ErrorBody(ErrorDetail Error);

internal sealed record ErrorDetail(string Code, string Message);

/// <summary><c>{"errors":[{"key":...,"reason":...}]}</c>: refused fields, keyed as the form names them.</summary>
internal sealed record FieldErrors(IReadOnlyList<FieldError> Errors);

internal sealed record FieldError(string Key, string Reason);

/// <summary><c>GET /api/session</c>, and the answer to login and set-up.</summary>
internal sealed record SessionBody(string Csrf);

/// <summary><c>GET /api/about</c>: this program's version, the runtime, how long the UI has run.</summary>
internal sealed record AboutBody(string UiVersion, string Runtime, long UiUptimeSeconds, bool DaemonUp, string Control);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(FieldErrors))]
[JsonSerializable(typeof(SessionBody))]
[JsonSerializable(typeof(AboutBody))]
internal sealed partial class UiJsonContext : JsonSerializerContext;

/// <summary>Reading request bodies and turning the daemon's replies into HTTP answers.</summary>
internal static class UiJson
{
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorBody(new ErrorDetail(code, message)), UiJsonContext.Default.ErrorBody, statusCode: status);

    public static IResult Fields(int status, params FieldError[] errors) =>
        Results.Json(new FieldErrors(errors), UiJsonContext.Default.FieldErrors, statusCode: status);

    /// <summary>The request's JSON object, or null (empty body too, for commands without arguments).</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentLength == 0)
        {
            return null;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? String(JsonElement? body, string name) =>
        body is { } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool? Bool(JsonElement? body, string name) =>
        body is { } b && b.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>Asks the daemon and answers with its result (200), its refusal, or 503 if it cannot be reached.</summary>
    public static async Task<IResult> AskAsync(UiContext ui, string cmd, JsonElement? args, CancellationToken cancellationToken)
    {
        try
        {
            return FromReply(await ui.Daemon.RequestAsync(cmd, args, cancellationToken));
        }
        catch (DaemonUnavailableException e)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "daemon_unavailable", e.Message);
        }
    }

    public static IResult FromReply(ControlReply reply) => reply.Ok
        ? Results.Text(reply.Result!.Value.GetRawText(), "application/json")
        : Error(StatusOf(reply.Error!.Code), reply.Error.Code, reply.Error.Message);

    /// <summary>The HTTP status for a daemon error code (RFC 9110 §15).</summary>
    public static int StatusOf(string code) => code switch
    {
        ControlErrorCodes.InvalidArgument or ControlErrorCodes.BadRequest => StatusCodes.Status400BadRequest,
        ControlErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ControlErrorCodes.InvalidState or ControlErrorCodes.Busy => StatusCodes.Status409Conflict,
        ControlErrorCodes.UnknownCommand => StatusCodes.Status501NotImplemented,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>
    /// The daemon's refusal of a config patch, one <c>KEY: REASON</c> per line (ui-spec.md), as field
    /// errors; a line without a key is kept whole under the key "".
    /// </summary>
    public static FieldError[] ParseFieldErrors(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line =>
            {
                int colon = line.IndexOf(": ", StringComparison.Ordinal);
                string key = colon > 0 ? line[..colon] : "";
                return colon > 0 && !key.Contains(' ') ? new FieldError(key, line[(colon + 2)..]) : new FieldError("", line);
            })
            .ToArray();
}
