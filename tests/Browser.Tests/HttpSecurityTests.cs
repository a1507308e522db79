using System.Net;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace PicoTalk.Browser.Tests;

/// <summary>
/// Issue 6's security rules (ui-spec.md "Security"), checked from outside the browser as an attacker
/// would call the page: nothing changes state without a session and its CSRF token; another site's
/// request (by Origin, else Referer) is refused even with both; the WebSocket follows the same rules;
/// the tenth wrong password from one address within a minute gets 429. Each test checks that the
/// refused requests changed nothing and that the same request done right succeeds, so a page that
/// refuses everything would fail too.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HttpSecurityTests(Chromium chromium)
{
    [Fact]
    public async Task A_state_change_needs_a_session_its_csrf_token_and_the_pages_own_origin()
    {
        var shots = new Screenshots(nameof(HttpSecurityTests));
        await using var appliance = await Appliance.StartAsync("csrf");
        await using var context = await chromium.NewContextAsync(Chromium.Desktop);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Office");
            using var api = new ApiClient(appliance.Url);
            object mute = new { muted = true };

            // No session: 401, for a change and for a read alike.
            await ExpectStatusAsync(HttpStatusCode.Unauthorized, api.PostAsync("/api/mute", mute, csrf: null, origin: api.Origin), "POST /api/mute without a session");
            await ExpectStatusAsync(HttpStatusCode.Unauthorized, api.GetAsync("/api/status"), "GET /api/status without a session");

            using (var login = await api.LogInAsync(PageFlows.Password))
            {
                Assert.True(login.IsSuccessStatusCode, $"login: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
                string setCookie = string.Join("\n", login.Headers.TryGetValues("Set-Cookie", out var v) ? v : []);
                Assert.Contains("picotalk_session=", setCookie);
                Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
            }

            string csrf = await api.CsrfTokenAsync();
            string wrongCsrf = (csrf[0] == 'A' ? "B" : "A") + csrf[1..];
            await ExpectStatusAsync(HttpStatusCode.Forbidden, api.PostAsync("/api/mute", mute, csrf: null, origin: api.Origin), "no CSRF token");
            await ExpectStatusAsync(HttpStatusCode.Forbidden, api.PostAsync("/api/mute", mute, csrf: wrongCsrf, origin: api.Origin), "a wrong CSRF token");
            await ExpectStatusAsync(HttpStatusCode.Forbidden, api.PostAsync("/api/mute", mute, csrf, origin: ApiClient.ForeignOrigin), "another Origin");
            await ExpectStatusAsync(HttpStatusCode.Forbidden, api.PostAsync("/api/mute", mute, csrf, origin: null, referer: ApiClient.ForeignOrigin + "/page"), "another Referer");
            Assert.False(Muted(await api.StatusAsync()), "a refused request muted the appliance");

            // The same request done right goes through (so the refusals above were about what they left out).
            await ExpectStatusAsync(HttpStatusCode.OK, api.PostAsync("/api/mute", mute, csrf, origin: api.Origin), "session, token and own origin");
            Assert.True(Muted(await api.StatusAsync()), "the allowed mute did not reach the daemon");

            // After logout the old cookie and token are worth nothing.
            await ExpectStatusAsync(HttpStatusCode.OK, api.PostAsync("/api/logout", new { }, csrf, origin: api.Origin), "logout");
            await ExpectStatusAsync(HttpStatusCode.Unauthorized, api.PostAsync("/api/mute", new { muted = false }, csrf, origin: api.Origin), "after logout");

            await page.ReloadAsync();
            await shots.TakeAsync(page, "home-muted");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    [Fact]
    public async Task Every_state_changing_route_refuses_a_request_without_a_session_or_without_its_token()
    {
        var shots = new Screenshots(nameof(HttpSecurityTests));
        await using var appliance = await Appliance.StartAsync("routes");
        await using var context = await chromium.NewContextAsync(Chromium.Desktop);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Office");
            using var api = new ApiClient(appliance.Url);
            string stranger = new string('5', 40);
            // ui-spec.md "JSON API": every POST but set-up and login, each with a body that would change something.
            (string Path, object Body)[] routes =
            [
                ("/api/dial", new { to = stranger }),
                ("/api/answer", new { }),
                ("/api/hangup", new { }),
                ("/api/reject", new { }),
                ("/api/mute", new { muted = true }),
                ("/api/tone", new { seconds = 1 }),
                ("/api/contacts", new { op = "add", name = "Intruder", id = stranger }),
                ("/api/config", new { patch = new { name = "Hacked" } }),
                ("/api/password", new { old = PageFlows.Password, @new = "taken over 1234" }),
                ("/api/logout", new { }),
            ];
            foreach (var (path, body) in routes)
            {
                await ExpectStatusAsync(HttpStatusCode.Unauthorized, api.PostAsync(path, body, csrf: null, origin: api.Origin), $"POST {path} without a session");
            }

            using (var login = await api.LogInAsync(PageFlows.Password))
            {
                Assert.True(login.IsSuccessStatusCode, $"login: {(int)login.StatusCode}");
            }

            foreach (var (path, body) in routes)
            {
                await ExpectStatusAsync(HttpStatusCode.Forbidden, api.PostAsync(path, body, csrf: null, origin: api.Origin), $"POST {path} without the CSRF token");
            }

            // Nothing changed: the name, the contacts, the password, the call state, the session.
            var config = await api.GetJsonAsync("/api/config");
            Assert.Equal("Office", config.GetProperty("config").GetProperty("name").GetString());
            string contacts = (await api.GetJsonAsync("/api/contacts")).GetRawText();
            Assert.DoesNotContain("Intruder", contacts);
            var status = await api.StatusAsync();
            Assert.Equal("idle", status.GetProperty("state").GetString());
            Assert.False(Muted(status), "a refused request muted the appliance");
            using var second = new ApiClient(appliance.Url);
            using (var again = await second.LogInAsync(PageFlows.Password))
            {
                Assert.True(again.IsSuccessStatusCode, $"the password changed: login gives {(int)again.StatusCode}");
            }

            await page.ReloadAsync();
            await Expect(page.Locator("#device-name")).ToContainTextAsync("Office");
            await shots.TakeAsync(page, "home-unchanged");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    [Fact]
    public async Task The_websocket_needs_a_session_its_csrf_token_and_the_pages_own_origin()
    {
        var shots = new Screenshots(nameof(HttpSecurityTests));
        await using var appliance = await Appliance.StartAsync("ws");
        await using var context = await chromium.NewContextAsync(Chromium.Desktop);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Office");
            using var api = new ApiClient(appliance.Url);
            var (none, noSessionStatus) = await api.OpenWebSocketAsync(csrf: "x", origin: api.Origin);
            Assert.True(none is null, "the WebSocket opened without a session");
            Assert.Equal(HttpStatusCode.Unauthorized, noSessionStatus);

            using (var login = await api.LogInAsync(PageFlows.Password))
            {
                Assert.True(login.IsSuccessStatusCode, $"login: {(int)login.StatusCode}");
            }

            string csrf = await api.CsrfTokenAsync();
            var (noToken, noTokenStatus) = await api.OpenWebSocketAsync(csrf: null, origin: api.Origin);
            Assert.True(noToken is null, "the WebSocket opened without the CSRF token");
            Assert.Equal(HttpStatusCode.Forbidden, noTokenStatus);

            // Cross-site WebSocket hijacking: the browser sends the cookie to any site's socket, so the
            // Origin is what tells (RFC 6455 §10.2).
            var (foreign, foreignStatus) = await api.OpenWebSocketAsync(csrf, origin: ApiClient.ForeignOrigin);
            Assert.True(foreign is null, "the WebSocket opened for another Origin");
            Assert.Equal(HttpStatusCode.Forbidden, foreignStatus);

            var (socket, status) = await api.OpenWebSocketAsync(csrf, origin: api.Origin);
            Assert.True(socket is not null, $"the WebSocket did not open with session, token and own origin: {(int)status}");
            using (socket)
            {
                // The server pushes the status once a second (ui-spec.md "WebSocket").
                var message = await ApiClient.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(5));
                while (message.GetProperty("type").GetString() != "status")
                {
                    message = await ApiClient.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(5));
                }

                Assert.Equal(appliance.Id, message.GetProperty("status").GetProperty("id").GetString());
            }

            await shots.TakeAsync(page, "home");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    [Fact]
    public async Task The_tenth_wrong_password_within_a_minute_gets_429()
    {
        var shots = new Screenshots(nameof(HttpSecurityTests));
        // An appliance of its own: the limit is per client address, and every test runs on 127.0.0.1.
        await using var appliance = await Appliance.StartAsync("guess");
        await using var context = await chromium.NewContextAsync(Chromium.Phone);
        var page = await context.NewPageAsync();
        try
        {
            await PageFlows.SetUpAsync(page, appliance, "Office");
            using var api = new ApiClient(appliance.Url);
            var statuses = new List<int>();
            for (int attempt = 1; attempt <= 11; attempt++)
            {
                using var response = await api.LogInAsync($"guess {attempt}");
                statuses.Add((int)response.StatusCode);
            }

            string all = string.Join(", ", statuses);
            Assert.All(statuses.Take(9), s => Assert.True(s is 401 or 403, $"wrong passwords 1 to 9 must be refused, not limited: {all}"));
            Assert.True(statuses[9] == 429, $"the 10th wrong password must get 429: {all}");
            Assert.True(statuses[10] == 429, $"the 11th must still get 429 within the minute: {all}");

            // The login form says so too.
            await page.Locator("#logout").ClickAsync();
            await Expect(page).ToHaveURLAsync(PageFlows.LoginUrl());
            await page.Locator("#password").FillAsync("guess 12");
            await page.Locator("#login-submit").ClickAsync();
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            await Expect(page.Locator("#login-error")).Not.ToBeEmptyAsync();
            await shots.TakeAsync(page, "login-limited");
        }
        catch (Exception e)
        {
            await shots.TakeOnFailureAsync(page);
            throw new PageTestFailure(e, appliance.Output);
        }
    }

    private static async Task ExpectStatusAsync(HttpStatusCode expected, Task<HttpResponseMessage> request, string what)
    {
        using var response = await request;
        Assert.True(response.StatusCode == expected,
            $"{what}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static bool Muted(JsonElement status) =>
        status.TryGetProperty("device", out var device) && device.TryGetProperty("muted", out var muted) && muted.GetBoolean();
}
