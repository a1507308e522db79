using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Web;

/// <summary><c>409 {"error":{...},"pinned":..,"now":..}</c>: the room server shows another key than the pinned one.</summary>
internal sealed record KeyChangedBody(ErrorDetail Error, string? Pinned, string? Now);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(KeyChangedBody))]
internal sealed partial class RoomsJsonContext : JsonSerializerContext;

/// <summary>
/// The Rooms page's API (issue 6 "Rooms: join or leave a room by name and password, members, chat,
/// push-to-talk in the page"), each route one op of the daemon's <c>rooms</c> command
/// (<see cref="RoomsArgs"/>), behind the same session, CSRF and origin rules as every route
/// (<see cref="RequestGuard"/> runs first):
/// <list type="bullet">
/// <item><c>GET /api/rooms</c>: the room and its members (<see cref="RoomStatus"/>).</item>
/// <item><c>POST /api/rooms/join {server?,room,password,name?,transport?,accept_new_key?}</c>; an empty
/// server is left out, for the daemon to find the room by name.</item>
/// <item><c>POST /api/rooms/leave</c>, <c>/api/rooms/say {text}</c>, <c>/api/rooms/talk {on}</c>.</item>
/// </list>
/// Every success answers the daemon's <see cref="RoomStatus"/>. The daemon's refusals become field
/// errors where it names the field (<c>KEY: REASON</c>, as for config): <c>400 {errors}</c> for
/// invalid_argument, <c>403 {errors:[{key:"password"}]}</c> for wrong_password, and
/// <c>409</c> <see cref="KeyChangedBody"/> for server_key_changed, with both fingerprints so the
/// page can ask before it joins again with <c>accept_new_key</c>. The password goes to the daemon
/// only: it is never logged, and never part of an answer.
/// </summary>
internal static partial class RoomRoutes
{
    /// <summary>The string fields of a join that are passed on, as the daemon names them (<see cref="RoomsArgs"/>).</summary>
    private static readonly string[] JoinStrings = ["server", "room", "password", "name", "transport"];

    public static void Map(WebApplication app, UiContext ui)
    {
        app.MapGet("/api/rooms", (HttpContext http, CancellationToken cancellationToken) =>
            AskAsync(ui, new JsonObject { ["op"] = RoomOps.Members }, cancellationToken));

        app.MapPost("/api/rooms/join", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var body = await UiJson.ReadObjectAsync(http.Request);
            if (body is not { } b)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("", "the body must be a JSON object"));
            }

            var args = new JsonObject { ["op"] = RoomOps.Join };
            foreach (string key in JoinStrings)
            {
                if (!b.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (value.ValueKind != JsonValueKind.String)
                {
                    return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError(key, "must be text"));
                }

                // The password is passed exactly as typed (spaces are part of it); the rest are trimmed.
                // An empty one is left out: the daemon takes its default (no server: find the room by
                // name) or names the field it needs (no password).
                string text = key == "password" ? value.GetString()! : value.GetString()!.Trim();
                if (text.Length > 0)
                {
                    args[key] = text;
                }
            }

            if (UiJson.Bool(body, "accept_new_key") is true)
            {
                args["accept_new_key"] = true;
            }

            return await AskAsync(ui, args, cancellationToken);
        });

        app.MapPost("/api/rooms/leave", (HttpContext http, CancellationToken cancellationToken) =>
            AskAsync(ui, new JsonObject { ["op"] = RoomOps.Leave }, cancellationToken));

        app.MapPost("/api/rooms/say", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            string? text = UiJson.String(await UiJson.ReadObjectAsync(http.Request), "text");
            if (string.IsNullOrWhiteSpace(text))
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("text", "write something to send"));
            }

            return await AskAsync(ui, new JsonObject { ["op"] = RoomOps.Say, ["text"] = text }, cancellationToken);
        });

        app.MapPost("/api/rooms/talk", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (UiJson.Bool(await UiJson.ReadObjectAsync(http.Request), "on") is not { } on)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("on", "true or false"));
            }

            return await AskAsync(ui, new JsonObject { ["op"] = RoomOps.Talk, ["on"] = on }, cancellationToken);
        });
    }

    /// <summary>Asks the daemon's <c>rooms</c> command; its result, or its refusal as the page shows it (see the class).</summary>
    private static async Task<IResult> AskAsync(UiContext ui, JsonObject args, CancellationToken cancellationToken)
    {
        ControlReply reply;
        try
        {
            reply = await ui.Daemon.RequestAsync(RoomsNames.Command, ConfigRoutes.Args(args), cancellationToken);
        }
        catch (DaemonUnavailableException e)
        {
            return UiJson.Error(StatusCodes.Status503ServiceUnavailable, "daemon_unavailable", e.Message);
        }

        return reply switch
        {
            { Ok: true } => UiJson.FromReply(reply),
            { Error.Code: ControlErrorCodes.InvalidArgument } =>
                UiJson.Fields(StatusCodes.Status400BadRequest, UiJson.ParseFieldErrors(reply.Error.Message)),
            // RFC 9110 §15.5.4: understood, and refused; the field to correct is the password.
            { Error.Code: RoomsNames.WrongPassword } =>
                UiJson.Fields(StatusCodes.Status403Forbidden, new FieldError("password", reply.Error.Message)),
            { Error.Code: RoomsNames.KeyChanged } => KeyChanged(reply.Error.Message),
            _ => UiJson.FromReply(reply),
        };
    }

    /// <summary>
    /// The daemon's message names both fingerprints ("pinned X, now Y", RoomController); they are
    /// handed to the page apart from the text. "now" may be "unknown" when the daemon could not learn it.
    /// </summary>
    private static IResult KeyChanged(string message)
    {
        var match = Fingerprints().Match(message);
        return Results.Json(
            new KeyChangedBody(new ErrorDetail(RoomsNames.KeyChanged, message),
                match.Success ? match.Groups["pinned"].Value : null,
                match.Success && match.Groups["now"].Value != "unknown" ? match.Groups["now"].Value : null),
            RoomsJsonContext.Default.KeyChangedBody, statusCode: StatusCodes.Status409Conflict);
    }

    [GeneratedRegex(@"pinned (?<pinned>[0-9a-f]+), now (?<now>[0-9a-f]+|unknown)")]
    private static partial Regex Fingerprints();
}
