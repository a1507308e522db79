using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PicoTalk.TestSupport;
using PicoTalk.Ui.Web;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>
/// A real <c>picotalk ui</c> server (Kestrel on 127.0.0.1:0) over a <see cref="WebFakeDaemon"/>,
/// and an HTTP client that sends exactly the headers a test gives it (no cookie jar, no redirects),
/// so each test says which cookie, CSRF token and Origin a request carries.
/// </summary>
internal sealed class UiServerFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _state;

    private UiServerFixture(WebFakeDaemon daemon, UiServer server, TempDirectory state, ConcurrentQueue<string> log)
    {
        _state = state;
        Log = log;
        Daemon = daemon;
        Server = server;
        BaseUrl = server.Urls[0];
        Http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl), Timeout = Timeout };
    }

    public WebFakeDaemon Daemon { get; }

    public UiServer Server { get; }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public ConcurrentQueue<string> Log { get; }

    /// <summary>The server's state directory (made by the server itself, 0700).</summary>
    public string StateDirectory => _state.File("ui");

    /// <param name="time">The server's clock (status polling, backoff, sessions); the system clock by default.</param>
    public static async Task<UiServerFixture> StartAsync(TimeProvider? time = null)
    {
        var daemon = new WebFakeDaemon();
        var log = new ConcurrentQueue<string>();
        var state = new TempDirectory("ptweb-state");
        var options = new UiOptions([new Uri("http://127.0.0.1:0")], state.File("ui"), false, daemon.SocketPath);
        // 1,000 PBKDF2 iterations keep the many logins here fast; AuthPiecesTests checks the real figure.
        var server = await UiServer.StartAsync(options, time ?? TimeProvider.System, log.Enqueue, pbkdf2Iterations: 1_000);
        return new UiServerFixture(daemon, server, state, log);
    }

    /// <summary>Sets the page up (name "Door", password "correct horse") and returns the session cookie and CSRF token.</summary>
    public async Task<(string Cookie, string Csrf)> SetUpAsync()
    {
        var response = await PostAsync("/api/setup", new { code = Server.Context.Admin.SetupCodeValue, name = "Door", password = "correct horse" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (CookieOf(response), (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf").GetString()!);
    }

    public static string CookieOf(HttpResponseMessage response)
    {
        string setCookie = response.Headers.GetValues("Set-Cookie").Single();
        return setCookie[..setCookie.IndexOf(';')];
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body, string? cookie = null, string? csrf = null, string? origin = null, string? referer = null) =>
        SendAsync(HttpMethod.Post, path, body, cookie, csrf, origin ?? (referer is null ? BaseUrl : null), referer);

    public Task<HttpResponseMessage> GetAsync(string path, string? cookie = null) =>
        SendAsync(HttpMethod.Get, path, null, cookie, null, null, null);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? cookie, string? csrf, string? origin, string? referer)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }

        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await Daemon.DisposeAsync();
        _state.Dispose();
    }
}
