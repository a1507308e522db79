using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Web;

/// <summary>
/// Set-up, login, logout, the session's CSRF token and the admin password change (ui-spec.md).
/// Wrong passwords and set-up codes count against the client's address in <see cref="LoginThrottle"/>.
/// </summary>
internal static class AuthRoutes
{
    public const string LoginPath = "/api/login";
    public const string SetupPath = "/api/setup";

    public static void Map(WebApplication app, UiContext ui)
    {
        app.MapGet("/api/session", (HttpContext http, CancellationToken cancellationToken) =>
            Results.Json(new SessionBody(RequestGuard.SessionOf(http)!.CsrfToken), UiJsonContext.Default.SessionBody));

        app.MapPost(SetupPath, (HttpContext http, CancellationToken cancellationToken) => SetupAsync(http, ui));
        app.MapPost(LoginPath, (HttpContext http, CancellationToken cancellationToken) => LoginAsync(http, ui));

        app.MapPost("/api/logout", (HttpContext http, CancellationToken cancellationToken) =>
        {
            ui.Sessions.Remove(RequestGuard.SessionOf(http)!.Id);
            http.Response.Cookies.Delete(SessionCookie.Name, CookieOptions(http));
            return Results.Ok();
        });

        app.MapPost("/api/password", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var body = await UiJson.ReadObjectAsync(http.Request);
            string? old = UiJson.String(body, "old");
            string? password = UiJson.String(body, "new");
            if (Throttled(http, ui) is { } tooMany)
            {
                return tooMany;
            }

            if (old is null || !ui.Admin.Verify(old))
            {
                ui.Throttle.RecordFailure(RequestGuard.ClientAddress(http));
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("old", "not the current password"));
            }

            if (AdminPassword.Problem(password) is { } problem)
            {
                return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("new", problem));
            }

            ui.Admin.Change(password!);
            // Whoever knew the old password is logged out everywhere but here.
            ui.Sessions.RemoveAllBut(RequestGuard.SessionOf(http)!.Id);
            return Results.Ok();
        });
    }

    private static async Task<IResult> SetupAsync(HttpContext http, UiContext ui)
    {
        if (ui.Admin.IsSetUp)
        {
            return UiJson.Error(StatusCodes.Status409Conflict, "already_set_up", "this page is set up already; log in");
        }

        if (Throttled(http, ui) is { } tooMany)
        {
            return tooMany;
        }

        var body = await UiJson.ReadObjectAsync(http.Request);
        string? code = UiJson.String(body, "code");
        string? name = UiJson.String(body, "name")?.Trim();
        string? password = UiJson.String(body, "password");
        if (ui.Admin.SetupCodeValue is not { } expected || !SetupCode.Matches(expected, code))
        {
            ui.Throttle.RecordFailure(RequestGuard.ClientAddress(http));
            return UiJson.Fields(StatusCodes.Status403Forbidden, new FieldError("code", "wrong set-up code (see the device's log or its setup-code file)"));
        }

        if (string.IsNullOrEmpty(name))
        {
            return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("name", "a device name is needed"));
        }

        if (AdminPassword.Problem(password) is { } problem)
        {
            return UiJson.Fields(StatusCodes.Status400BadRequest, new FieldError("password", problem));
        }

        // The name lives in the daemon's config, which validates it; store the password only once
        // the name is taken, so a refused name leaves set-up open to try again.
        var named = await ConfigRoutes.SetAsync(ui, NamePatch(name), http.RequestAborted);
        if (named is IStatusCodeHttpResult { StatusCode: not (null or 200) })
        {
            return named;
        }

        switch (ui.Admin.TrySetUp(code, password!))
        {
            case SetupOutcome.AlreadySetUp:
                return UiJson.Error(StatusCodes.Status409Conflict, "already_set_up", "this page is set up already; log in");
            case SetupOutcome.WrongCode:
                return UiJson.Fields(StatusCodes.Status403Forbidden, new FieldError("code", "wrong set-up code"));
        }

        return LogIn(http, ui);
    }

    private static async Task<IResult> LoginAsync(HttpContext http, UiContext ui)
    {
        if (!ui.Admin.IsSetUp)
        {
            return UiJson.Error(StatusCodes.Status409Conflict, "not_set_up", "set the page up first");
        }

        if (Throttled(http, ui) is { } tooMany)
        {
            return tooMany;
        }

        var body = await UiJson.ReadObjectAsync(http.Request);
        string? password = UiJson.String(body, "password");
        if (password is null || !ui.Admin.Verify(password))
        {
            ui.Throttle.RecordFailure(RequestGuard.ClientAddress(http));
            return UiJson.Error(StatusCodes.Status401Unauthorized, "wrong_password", "wrong password");
        }

        ui.Throttle.RecordSuccess(RequestGuard.ClientAddress(http));
        return LogIn(http, ui);
    }

    private static IResult LogIn(HttpContext http, UiContext ui)
    {
        var session = ui.Sessions.Create();
        http.Response.Cookies.Append(SessionCookie.Name, ui.Cookie.Sign(session.Id), CookieOptions(http));
        return Results.Json(new SessionBody(session.CsrfToken), UiJsonContext.Default.SessionBody);
    }

    /// <summary>429 with Retry-After (RFC 6585 §4) while the client is throttled, else null.</summary>
    private static IResult? Throttled(HttpContext http, UiContext ui)
    {
        var address = RequestGuard.ClientAddress(http);
        if (ui.Throttle.IsAllowed(address))
        {
            return null;
        }

        int seconds = (int)Math.Ceiling(ui.Throttle.RetryAfter(address).TotalSeconds);
        http.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
        return UiJson.Error(StatusCodes.Status429TooManyRequests, "too_many_attempts", $"too many wrong attempts; try again in {Math.Max(1, seconds)} s");
    }

    /// <summary>HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it),
    /// Secure under HTTPS (RFC 6265bis §4.1.2).</summary>
    private static CookieOptions CookieOptions(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    private static JsonElement NamePatch(string name) => ConfigRoutes.Args(new System.Text.Json.Nodes.JsonObject { ["name"] = name });
}
