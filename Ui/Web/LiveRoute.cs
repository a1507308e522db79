using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PicoTalk.Ui.Web;

/// <summary>
/// <c>/api/ws?csrf=TOKEN</c>: the page's live feed (RFC 6455). The handshake passed
/// <see cref="RequestGuard"/> (same origin, a session, the session's CSRF token: a WebSocket is not
/// bound by the same-origin policy, so another site could open one with the user's cookie if only
/// the cookie were checked). The socket then gets whether the daemon is up, the latest status, and
/// everything <see cref="LiveHub"/> publishes.
/// </summary>
internal static class LiveRoute
{
    public const string Path = "/api/ws";

    public static void Map(WebApplication app, UiContext ui)
    {
        app.Map(Path, async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                return Results.BadRequest();
            }

            if (ui.Hub.Count >= LiveHub.MaxClients)
            {
                return UiJson.Error(StatusCodes.Status503ServiceUnavailable, "too_many_pages", "too many pages open");
            }

            // An open socket is a request that never ends by itself: stopping the UI (SIGTERM) must end
            // it, or the host waits its whole shutdown timeout (30 s) for it.
            var lifetime = http.RequestServices.GetRequiredService<IHostApplicationLifetime>();
            using var until = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await ui.Hub.ServeAsync(socket, ui.Daemon.Greeting().ToList(), until.Token);
            return Results.Empty;
        });
    }
}
