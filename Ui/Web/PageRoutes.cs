using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Web;

/// <summary>
/// The pages and their files, from the resources embedded in this assembly (Ui/Web/Assets): the page
/// needs nothing from any other host. A page that needs a session sends a browser without one to
/// /login, or to /setup while no password is set. Each page carries the session's CSRF token in
/// <c>&lt;meta name="csrf-token"&gt;</c>.
/// </summary>
internal static class PageRoutes
{
    private const string CsrfPlaceholder = "{{csrf}}";

    /// <summary>Pages that need a session, by path (the file is the name plus .html).</summary>
    public static readonly string[] SessionPages = ["home", "contacts", "rooms", "settings", "diagnostics"];

    private static readonly Dictionary<string, byte[]> Assets = LoadAssets();

    public static void Map(WebApplication app, UiContext ui)
    {
        app.MapGet("/", (HttpContext http) => Results.Redirect(Landing(http, ui)));

        app.MapGet("/setup", (HttpContext http) =>
            ui.Admin.IsSetUp ? Results.Redirect(Landing(http, ui)) : Page("setup", null));
        app.MapGet("/login", (HttpContext http) =>
            !ui.Admin.IsSetUp || RequestGuard.SessionOf(http) is not null ? Results.Redirect(Landing(http, ui)) : Page("login", null));

        foreach (string page in SessionPages)
        {
            app.MapGet("/" + page, (HttpContext http) =>
                RequestGuard.SessionOf(http) is { } session ? Page(page, session) : Results.Redirect(Landing(http, ui)));
        }

        app.MapGet("/assets/{file}", (string file) =>
            file.EndsWith(".html", StringComparison.Ordinal) || !Assets.TryGetValue(file, out byte[]? bytes)
                ? Results.NotFound()
                : Results.Bytes(bytes, ContentType(file)));
    }

    /// <summary>Where <c>/</c> leads: set-up, login, or home.</summary>
    public static string Landing(HttpContext http, UiContext ui) =>
        !ui.Admin.IsSetUp ? "/setup" : RequestGuard.SessionOf(http) is null ? "/login" : "/home";

    private static IResult Page(string name, Session? session)
    {
        string html = System.Text.Encoding.UTF8.GetString(Assets[name + ".html"]);
        return Results.Content(html.Replace(CsrfPlaceholder, session?.CsrfToken ?? "", StringComparison.Ordinal), "text/html; charset=utf-8");
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private static Dictionary<string, byte[]> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith("assets/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[resource["assets/".Length..]] = copy.ToArray();
        }

        return assets;
    }
}
