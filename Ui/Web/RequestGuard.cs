using System.Net;
using Microsoft.AspNetCore.Http;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Web;

/// <summary>
/// Runs before every route. Adds the security headers to every response, finds the request's
/// session, and refuses what must not get through:
/// a state-changing request (anything but GET/HEAD, and the WebSocket handshake) from another
/// origin (403, <see cref="OriginCheck"/>); one without a session (401), except the login and
/// set-up forms; one whose CSRF token (X-CSRF-Token, or the WebSocket's csrf query parameter) is
/// not the session's (403). A GET of the API without a session gets 401 too.
/// </summary>
internal static class RequestGuard
{
    public const string CsrfHeader = "X-CSRF-Token";
    public const string CsrfQuery = "csrf";
    private const string SessionItem = "picotalk.session";

    /// <summary>
    /// default-src 'self' and no 'unsafe-inline': the pages load only their own scripts and styles,
    /// so injected markup cannot run (CSP Level 3). frame-ancestors 'none' as X-Frame-Options DENY
    /// (clickjacking); form-action and base-uri close the remaining injection routes.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static Func<HttpContext, RequestDelegate, Task> Create(UiContext ui) => async (http, next) =>
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=()";
        headers.CacheControl = "no-store";
        if (http.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }

        var request = http.Request;
        string path = request.Path.Value ?? "/";
        bool webSocket = path == LiveRoute.Path;
        bool changesState = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || webSocket;

        if (changesState && !OriginCheck.IsSameOrigin(request.Scheme, request.Host.Value ?? "", request.Headers.Origin, request.Headers.Referer))
        {
            await Refuse(http, StatusCodes.Status403Forbidden, "cross-origin request refused");
            return;
        }

        var session = ui.Sessions.Touch(ui.Cookie.Verify(request.Cookies[SessionCookie.Name]));
        if (session is not null)
        {
            http.Items[SessionItem] = session;
        }

        bool open = HttpMethods.IsPost(request.Method) && path is AuthRoutes.LoginPath or AuthRoutes.SetupPath;
        bool api = path.StartsWith("/api/", StringComparison.Ordinal);
        if (!open && (changesState || api) && session is null)
        {
            await Refuse(http, StatusCodes.Status401Unauthorized, "log in first");
            return;
        }

        if (!open && changesState)
        {
            string? token = webSocket ? request.Query[CsrfQuery] : request.Headers[CsrfHeader];
            if (!session!.CsrfMatches(token))
            {
                await Refuse(http, StatusCodes.Status403Forbidden, "missing or wrong CSRF token");
                return;
            }
        }

        await next(http);
    };

    /// <summary>The request's session, once the guard has let it through.</summary>
    public static Session? SessionOf(HttpContext http) => http.Items.TryGetValue(SessionItem, out var s) ? s as Session : null;

    /// <summary>The client's address for the login throttle (IPv4-mapped IPv6 as IPv4, so one client is one key).</summary>
    public static IPAddress ClientAddress(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress ?? IPAddress.None;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    public static Task Refuse(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new ErrorBody(new ErrorDetail(status == 401 ? "unauthorized" : "forbidden", message)), UiJsonContext.Default.ErrorBody);
    }
}
