using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Web;

/// <summary>
/// The JSON API of the pages (ui-spec.md): each route is one control command, its result passed
/// through as the daemon wrote it (snake_case), its refusal as <c>{error:{code,message}}</c> with
/// the matching HTTP status, and 503 while the daemon cannot be reached.
/// </summary>
internal static class ApiRoutes
{
    /// <summary>The most log lines the daemon's <c>log</c> gives (ui-spec.md).</summary>
    public const int MaxLogLines = 200;

    public static void Map(WebApplication app, UiContext ui)
    {
        app.MapGet("/api/status", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, ControlCommands.Status, null, cancellationToken));
        app.MapGet("/api/devices", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, ControlCommands.Devices, null, cancellationToken));
        app.MapGet("/api/history", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, WebCommands.History, null, cancellationToken));
        app.MapGet("/api/log", (HttpContext http, int? lines, CancellationToken cancellationToken) =>
            UiJson.AskAsync(ui, WebCommands.Log, ConfigRoutes.Args(new JsonObject { ["lines"] = Math.Clamp(lines ?? 100, 1, MaxLogLines) }), cancellationToken));

        app.MapPost("/api/answer", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, ControlCommands.Answer, null, cancellationToken));
        app.MapPost("/api/hangup", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, ControlCommands.Hangup, null, cancellationToken));
        app.MapPost("/api/reject", (HttpContext http, CancellationToken cancellationToken) => UiJson.AskAsync(ui, WebCommands.Reject, null, cancellationToken));

        app.MapPost("/api/dial", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            string? to = UiJson.String(await UiJson.ReadObjectAsync(http.Request), "to")?.Trim();
            if (string.IsNullOrEmpty(to))
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("to", "an ID, HOST:PORT or contact name is needed"));
            }

            // A pasted QR text dials its ID.
            string target = IdQrCode.TryParse(to, out string id, out _) ? id : to;
            return await UiJson.AskAsync(ui, ControlCommands.Dial, ConfigRoutes.Args(new JsonObject { ["to"] = target }), cancellationToken);
        });

        app.MapPost("/api/mute", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (UiJson.Bool(await UiJson.ReadObjectAsync(http.Request), "muted") is not { } muted)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("muted", "true or false"));
            }

            return await UiJson.AskAsync(ui, WebCommands.Mute, ConfigRoutes.Args(new JsonObject { ["muted"] = muted }), cancellationToken);
        });

        app.MapPost("/api/tone", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var body = await UiJson.ReadObjectAsync(http.Request);
            int seconds = body is { } b && b.TryGetProperty("seconds", out var s) && s.TryGetInt32(out int n) ? n : 2;
            return await UiJson.AskAsync(ui, WebCommands.Tone, ConfigRoutes.Args(new JsonObject { ["seconds"] = seconds }), cancellationToken);
        });

        app.MapGet("/api/contacts", (HttpContext http, CancellationToken cancellationToken) =>
            UiJson.AskAsync(ui, ControlCommands.Contacts, ConfigRoutes.Args(new JsonObject { ["op"] = ContactOps.List }), cancellationToken));
        app.MapPost("/api/contacts", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var body = await UiJson.ReadObjectAsync(http.Request);
            if (body is null || JsonNode.Parse(body.Value.GetRawText()) is not JsonObject args)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("op", "the body must be a JSON object with an op"));
            }

            if ((string?)args["op"] == ContactOps.Add)
            {
                // The ID field takes a bare ID or a peer's QR text; its name fills an empty name.
                if (!IdQrCode.TryParse((string?)args["id"], out string id, out string? name))
                {
                    return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("id", "40 hex digits, or the text of the peer's QR code"));
                }

                args["id"] = id;
                if (string.IsNullOrWhiteSpace((string?)args["name"]) && name is not null)
                {
                    args["name"] = name;
                }
            }

            return await UiJson.AskAsync(ui, ControlCommands.Contacts, ConfigRoutes.Args(args), cancellationToken);
        });

        app.MapGet("/api/qr", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            try
            {
                var reply = await ui.Daemon.RequestAsync(ControlCommands.Id, null, cancellationToken);
                if (!reply.Ok)
                {
                    return UiJson.FromReply(reply);
                }

                string id = reply.ReadResult(ControlJsonContext.Default.IdResult).Id;
                string? name = await NameAsync(ui, cancellationToken);
                return Results.Text(IdQrCode.Svg(IdQrCode.Text(id, name)), "image/svg+xml");
            }
            catch (DaemonUnavailableException e)
            {
                return UiJson.Error(StatusCodes.Status503ServiceUnavailable, "daemon_unavailable", e.Message);
            }
        });

        app.MapGet("/api/about", () => Results.Json(new AboutBody(
            UiServer.Version,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            (long)(ui.Time.GetUtcNow() - ui.Started).TotalSeconds,
            ui.Daemon.IsUp,
            ui.Daemon.SocketPath), UiJsonContext.Default.AboutBody));

        ConfigRoutes.Map(app, ui);
    }

    /// <summary>The appliance's name from its config, or null if the daemon does not say.</summary>
    private static async Task<string?> NameAsync(UiContext ui, CancellationToken cancellationToken)
    {
        var reply = await ui.Daemon.RequestAsync(WebCommands.Config, ConfigRoutes.Args(new JsonObject { ["op"] = ConfigOps.Get }), cancellationToken);
        return reply.Ok && reply.Result!.Value.TryGetProperty("config", out var config)
            && config.TryGetProperty("name", out var name) && name.ValueKind == System.Text.Json.JsonValueKind.String
            ? name.GetString()
            : null;
    }
}
