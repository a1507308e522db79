using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>
/// <c>picotalk ui</c> over HTTP, in-process on a real Kestrel: set-up, login, the session cookie,
/// CSRF tokens, the origin check, the login throttle, the security headers and the daemon's answers.
/// </summary>
public sealed partial class UiServerHttpTests : IAsyncLifetime
{
    // Every route that changes something, with a body it would accept.
    private static readonly (string Path, object? Body)[] StateChanging =
    [
        ("/api/answer", null), ("/api/hangup", null), ("/api/reject", null), ("/api/dial", new { to = "127.0.0.1:5004" }),
        ("/api/mute", new { muted = true }), ("/api/tone", new { seconds = 1 }), ("/api/contacts", new { op = "remove", name = "x" }),
        ("/api/config", new { patch = new { name = "Gate" } }), ("/api/password", new { old = "correct horse", @new = "another horse" }),
        ("/api/logout", null),
    ];

    private UiServerFixture _ui = null!;

    public async Task InitializeAsync() => _ui = await UiServerFixture.StartAsync();

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    [Fact]
    public async Task The_first_boot_logs_a_set_up_code_kept_in_a_0600_file_and_the_root_leads_to_set_up()
    {
        string code = File.ReadAllText(Path.Combine(_ui.StateDirectory, "setup-code")).Trim();
        Assert.Contains($"ui: first boot: set-up code {code}", _ui.Log);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_ui.StateDirectory, "setup-code")));
        Assert.Equal("/setup", (await _ui.GetAsync("/")).Headers.Location!.OriginalString);
        Assert.Equal("/setup", (await _ui.GetAsync("/home")).Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await _ui.GetAsync("/setup")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _ui.PostAsync("/api/login", new { password = "anything at all" })).StatusCode);
    }

    [Fact]
    public async Task Set_up_needs_the_code_names_the_device_and_happens_only_once()
    {
        string code = _ui.Server.Context.Admin.SetupCodeValue!;
        var wrong = await _ui.PostAsync("/api/setup", new { code = code == "00000000" ? "00000001" : "00000000", name = "Door", password = "correct horse" });
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.False(File.Exists(Path.Combine(_ui.StateDirectory, "admin.json")));

        var (cookie, _) = await _ui.SetUpAsync();
        var named = _ui.Daemon.Requests.Single(r => r.Cmd == WebCommands.Config);
        Assert.Equal("""{"op":"set","patch":{"name":"Door"}}""", named.Args!.Value.GetRawText());
        Assert.False(File.Exists(Path.Combine(_ui.StateDirectory, "setup-code")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_ui.StateDirectory, "admin.json")));

        var again = await _ui.PostAsync("/api/setup", new { code, name = "Evil", password = "attacker password" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.PostAsync("/api/login", new { password = "attacker password" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _ui.PostAsync("/api/login", new { password = "correct horse" })).StatusCode);

        Assert.Equal("/login", (await _ui.GetAsync("/")).Headers.Location!.OriginalString);
        Assert.Equal("/home", (await _ui.GetAsync("/", cookie)).Headers.Location!.OriginalString);
        Assert.Equal("/login", (await _ui.GetAsync("/setup")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_and_SameSite_Strict()
    {
        var response = await _ui.PostAsync("/api/setup", new { code = _ui.Server.Context.Admin.SetupCodeValue, name = "Door", password = "correct horse" });
        string setCookie = response.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.StartsWith("picotalk_session=", setCookie);
        Assert.Contains("httponly", setCookie);
        Assert.Contains("samesite=strict", setCookie);
        Assert.Contains("path=/", setCookie);
    }

    [Fact]
    public async Task No_state_changing_request_succeeds_without_a_session_and_its_CSRF_token()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        var other = await _ui.PostAsync("/api/login", new { password = "correct horse" });
        string otherCsrf = (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf").GetString()!;
        int before = _ui.Daemon.Requests.Count;
        string tampered = cookie[..^2] + (cookie[^2] == 'A' ? "B" : "A") + cookie[^1];

        foreach (var (path, body) in StateChanging)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.PostAsync(path, body)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.PostAsync(path, body, tampered, csrf)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie, csrf[..^1])).StatusCode);
            // Another session's token is no good either.
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie, otherCsrf)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.SendAsync(HttpMethod.Delete, path, body, cookie, null, _ui.BaseUrl, null)).StatusCode);
        }

        Assert.Equal(before, _ui.Daemon.Requests.Count);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.GetAsync("/api/session", tampered)).StatusCode);

        var answered = await _ui.PostAsync("/api/answer", null, cookie, csrf);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("in_call", (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.True(_ui.Daemon.Received(ControlCommands.Answer));

        var logout = await _ui.PostAsync("/api/logout", null, cookie, csrf);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.PostAsync("/api/answer", null, cookie, csrf)).StatusCode);
    }

    [Fact]
    public async Task A_request_from_another_origin_is_refused_even_with_a_session_and_token()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        int before = _ui.Daemon.Requests.Count;
        var fromEvil = await _ui.PostAsync("/api/answer", null, cookie, csrf, origin: "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, fromEvil.StatusCode);
        var otherPort = await _ui.PostAsync("/api/answer", null, cookie, csrf, origin: "http://127.0.0.1:1");
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        var byReferer = await _ui.PostAsync("/api/answer", null, cookie, csrf, referer: "http://evil.example/page");
        Assert.Equal(HttpStatusCode.Forbidden, byReferer.StatusCode);
        var login = await _ui.PostAsync("/api/login", new { password = "correct horse" }, origin: "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie"));
        Assert.Equal(before, _ui.Daemon.Requests.Count);

        var sameSite = await _ui.PostAsync("/api/answer", null, cookie, csrf, referer: _ui.BaseUrl.TrimEnd('/') + "/home");
        Assert.Equal(HttpStatusCode.OK, sameSite.StatusCode);
    }

    [Fact]
    public async Task The_tenth_wrong_password_within_a_minute_gets_429_and_so_does_the_right_one_after_it()
    {
        await _ui.SetUpAsync();
        for (int attempt = 1; attempt <= 9; attempt++)
        {
            var response = await _ui.PostAsync("/api/login", new { password = $"wrong guess {attempt}" });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var tenth = await _ui.PostAsync("/api/login", new { password = "wrong guess 10" });
        Assert.Equal((HttpStatusCode)429, tenth.StatusCode);
        Assert.InRange(tenth.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        var right = await _ui.PostAsync("/api/login", new { password = "correct horse" });
        Assert.Equal((HttpStatusCode)429, right.StatusCode);
        Assert.False(right.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Every_page_is_served_with_the_security_headers_and_no_inline_script()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        foreach (string page in new[] { "/home", "/contacts", "/settings", "/diagnostics" })
        {
            var response = await _ui.GetAsync(page, cookie);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'self'", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            string html = await response.Content.ReadAsStringAsync();
            Assert.Contains($"<meta name=\"csrf-token\" content=\"{csrf}\">", html);
            Assert.All(ScriptTag().Matches(html), m => Assert.Contains("src=\"/assets/", m.Value));
            Assert.DoesNotMatch(@"\son[a-z]+=", html); // no inline event handlers either
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal));
            Assert.DoesNotContain("https://", html);
            Assert.Contains("id=\"daemon-banner\"", html);
        }

        Assert.Equal("/login", (await _ui.GetAsync("/settings")).Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await _ui.GetAsync("/assets/common.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _ui.GetAsync("/assets/home.html")).StatusCode);
    }

    [Fact]
    public async Task A_refused_config_patch_names_each_refused_key()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        var response = await _ui.PostAsync("/api/config", new { patch = new { opus = new { bitrate = 1, complexity = 11 } } }, cookie, csrf);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(
            [("opus.bitrate", "must be 6000 to 510000 bit/s"), ("opus.complexity", "must be 0 to 10")],
            errors.EnumerateArray().Select(e => (e.GetProperty("key").GetString(), e.GetProperty("reason").GetString())).ToArray());
        Assert.Equal("""{"op":"set","patch":{"opus":{"bitrate":1,"complexity":11}}}""", _ui.Daemon.Requests.Last().Args!.Value.GetRawText());
    }

    [Fact]
    public async Task A_contact_added_by_QR_text_reaches_the_daemon_as_its_ID_and_name()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        _ui.Daemon.Replies[ControlCommands.Contacts] = r => WebFakeDaemon.Ok(r, """{"contacts":[]}""");
        string qr = "picotalk:0123456789ABCDEF0123456789abcdef01234567?name=Gate%202";
        Assert.Equal(HttpStatusCode.OK, (await _ui.PostAsync("/api/contacts", new { op = "add", name = "", id = qr }, cookie, csrf)).StatusCode);
        Assert.Equal("""{"op":"add","name":"Gate 2","id":"0123456789abcdef0123456789abcdef01234567"}""", _ui.Daemon.Requests.Last().Args!.Value.GetRawText());
        var bad = await _ui.PostAsync("/api/contacts", new { op = "add", name = "x", id = "not an id" }, cookie, csrf);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("id", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_daemon_that_is_down_gets_503_and_the_qr_code_names_the_device()
    {
        var (cookie, _) = await _ui.SetUpAsync();
        var qr = await _ui.GetAsync("/api/qr", cookie);
        Assert.Equal("image/svg+xml", qr.Content.Headers.ContentType!.MediaType);
        Assert.Contains($"data-qr-text=\"picotalk:{WebFakeDaemon.OwnId}?name=Door\"", await qr.Content.ReadAsStringAsync());

        await _ui.Daemon.StopAsync();
        var status = await _ui.GetAsync("/api/status", cookie);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status.StatusCode);
        Assert.Equal("daemon_unavailable", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();
}
