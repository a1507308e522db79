using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Web;

/// <summary>
/// <c>GET /api/config</c> and <c>POST /api/config {patch}</c>: the daemon's config, read and
/// changed through its <c>config</c> command, which validates every change; a refusal comes back
/// as <c>400 {errors:[{key,reason}]}</c>, one per refused dotted key.
/// </summary>
internal static class ConfigRoutes
{
    public static void Map(WebApplication app, UiContext ui)
    {
        app.MapGet("/api/config", (HttpContext http, CancellationToken cancellationToken) =>
            UiJson.AskAsync(ui, WebCommands.Config, Args(new JsonObject { ["op"] = ConfigOps.Get }), cancellationToken));

        app.MapPost("/api/config", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var body = await UiJson.ReadObjectAsync(http.Request);
            if (body is not { } b || !b.TryGetProperty("patch", out var patch) || patch.ValueKind != JsonValueKind.Object)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("", "the body must be {\"patch\":{...}}"));
            }

            return await SetAsync(ui, patch, cancellationToken);
        });
    }

    /// <summary>Applies <paramref name="patch"/>; the daemon's refusal as field errors.</summary>
    public static async Task<IResult> SetAsync(UiContext ui, JsonElement patch, CancellationToken cancellationToken)
    {
        var args = new JsonObject { ["op"] = ConfigOps.Set, ["patch"] = JsonNode.Parse(patch.GetRawText()) };
        try
        {
            var reply = await ui.Daemon.RequestAsync(WebCommands.Config, Args(args), cancellationToken);
            return reply is { Ok: false, Error.Code: ControlErrorCodes.InvalidArgument }
                ? UiJson.Fields(StatusCodes.Status400BadRequest, UiJson.ParseFieldErrors(reply.Error.Message))
                : UiJson.FromReply(reply);
        }
        catch (DaemonUnavailableException e)
        {
            return UiJson.Error(StatusCodes.Status503ServiceUnavailable, "daemon_unavailable", e.Message);
        }
    }

    public static JsonElement Args(JsonObject args)
    {
        using var document = JsonDocument.Parse(args.ToJsonString());
        return document.RootElement.Clone();
    }
}
