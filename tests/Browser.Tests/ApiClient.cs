using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// The page's JSON API (ui-spec.md "JSON API") called as a script or another site would: a cookie
/// jar of its own, and every header that the security rules look at (<c>Origin</c>, <c>Referer</c>,
/// <c>X-CSRF-Token</c>) set or left out by the caller, never added behind its back.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>An origin that is not the appliance's: what a page on another site would send.</summary>
    public const string ForeignOrigin = "http://evil.example";

    private readonly HttpClient _http;

    public ApiClient(Uri pageUrl)
    {
        PageUrl = pageUrl;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = pageUrl,
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    public Uri PageUrl { get; }

    /// <summary>The page's own origin, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Origin => PageUrl.GetLeftPart(UriPartial.Authority);

    public CookieContainer Cookies { get; } = new();

    /// <summary>A POST with a JSON body; <paramref name="origin"/> null sends no Origin header.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, object body, string? csrf, string? origin, string? referer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/'))
        {
            Content = JsonContent.Create(body),
        };
        if (csrf is not null)
        {
            request.Headers.Add(CsrfHeader, csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }

        return await _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path.TrimStart('/'));

    /// <summary>Logs in as the page does; the response (its Set-Cookie is in <see cref="Cookies"/>).</summary>
    public Task<HttpResponseMessage> LogInAsync(string password) =>
        PostAsync("/api/login", new { password }, csrf: null, origin: Origin);

    /// <summary>The session's CSRF token from <c>GET /api/session</c>.</summary>
    public async Task<string> CsrfTokenAsync()
    {
        using var response = await GetAsync("/api/session");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/session: {(int)response.StatusCode} {text}");
        string? token = JsonDocument.Parse(text).RootElement.GetProperty("csrf").GetString();
        Assert.False(string.IsNullOrEmpty(token), $"GET /api/session gave no token: {text}");
        return token!;
    }

    /// <summary><c>GET /api/status</c> as JSON (the daemon's status result).</summary>
    public Task<JsonElement> StatusAsync() => GetJsonAsync("/api/status");

    /// <summary>A GET that must succeed, its JSON body.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Opens <c>/api/ws</c> with this client's cookies, <paramref name="csrf"/> as the query parameter
    /// (none when null) and <paramref name="origin"/> (none when null). The open socket, or the HTTP
    /// status that refused the upgrade (RFC 6455 §4.1: anything but 101 fails the handshake).
    /// </summary>
    public async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> OpenWebSocketAsync(string? csrf, string? origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.Cookies = Cookies;
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var url = new UriBuilder(PageUrl) { Scheme = "ws", Path = "/api/ws", Query = csrf is null ? "" : "csrf=" + Uri.EscapeDataString(csrf) };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await socket.ConnectAsync(url.Uri, cts.Token);
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    /// <summary>The next text message on <paramref name="socket"/> within <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> ReceiveJsonAsync(ClientWebSocket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cts.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        while (!result.EndOfMessage);

        return JsonDocument.Parse(text.ToString()).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
