using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>
/// The Rooms page's API (<c>RoomRoutes</c>) over a real Kestrel and a fake daemon: the guard's rules
/// hold for it, each route becomes the one <c>rooms</c> op, and the daemon's refusals come back as
/// the page shows them (the field it names, the password, the changed key's fingerprints).
/// </summary>
public sealed class RoomRoutesTests : IAsyncLifetime
{
    private const string Password = "s3cret room pw";
    private const string Joined = """{"state":"joined","room":"lobby","server":"127.0.0.1:9999","server_key_fingerprint":"0123456789abcdef","members":[{"id":2,"name":"Bee","verified":true}],"talking":false}""";

    private static readonly (string Path, object? Body)[] StateChanging =
    [
        ("/api/rooms/join", new { server = "127.0.0.1:9999", room = "lobby", password = Password }),
        ("/api/rooms/leave", null), ("/api/rooms/say", new { text = "hi" }), ("/api/rooms/talk", new { on = true }),
    ];

    private UiServerFixture _ui = null!;
    private volatile bool _notInRoom;

    public async Task InitializeAsync()
    {
        _ui = await UiServerFixture.StartAsync();
        _ui.Daemon.Replies[RoomsNames.Command] = Reply;
    }

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    [Fact]
    public async Task Every_rooms_route_needs_a_session_its_CSRF_token_and_the_same_origin()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.GetAsync("/api/rooms")).StatusCode);
        foreach (var (path, body) in StateChanging)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _ui.PostAsync(path, body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie, csrf[..^1] + (csrf[^1] == 'A' ? "B" : "A"))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await _ui.PostAsync(path, body, cookie, csrf, origin: "http://evil.example")).StatusCode);
        }

        Assert.False(_ui.Daemon.Received(RoomsNames.Command));

        // With all three, each route reaches the daemon as its op.
        Assert.Equal(HttpStatusCode.OK, (await _ui.GetAsync("/api/rooms", cookie)).StatusCode);
        foreach (var (path, body) in StateChanging)
        {
            var response = await _ui.PostAsync(path, body, cookie, csrf);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(["members", "join", "leave", "say", "talk"], RoomRequests().Select(a => a.GetProperty("op").GetString()));
    }

    [Fact]
    public async Task A_join_passes_the_fields_as_the_daemon_names_them_leaves_an_empty_server_out_and_answers_the_room()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        var joined = await _ui.PostAsync("/api/rooms/join",
            new { server = " 127.0.0.1:9999 ", room = " lobby ", password = " " + Password, name = " Ay ", transport = "tcp", accept_new_key = true }, cookie, csrf);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        var room = await joined.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("joined", room.GetProperty("state").GetString());
        Assert.Equal("Bee", room.GetProperty("members")[0].GetProperty("name").GetString());

        // The password as typed (its leading space is part of it), the rest trimmed.
        Assert.Equal($$"""{"op":"join","server":"127.0.0.1:9999","room":"lobby","password":" {{Password}}","name":"Ay","transport":"tcp","accept_new_key":true}""",
            RoomRequests().Single().GetRawText());

        await _ui.PostAsync("/api/rooms/join", new { server = "", room = "lobby", password = Password, name = "" }, cookie, csrf);
        Assert.Equal($$"""{"op":"join","room":"lobby","password":"{{Password}}"}""", RoomRequests().Last().GetRawText());
    }

    [Fact]
    public async Task The_daemons_refusals_name_the_field_the_password_or_both_key_fingerprints()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();

        // No server: the daemon (until it finds rooms by name) names the field; the page shows it as-is.
        var noServer = await _ui.PostAsync("/api/rooms/join", new { room = "lobby", password = Password }, cookie, csrf);
        Assert.Equal(HttpStatusCode.BadRequest, noServer.StatusCode);
        Assert.Equal(("server", "'' is not HOST:PORT"), FieldError(await noServer.Content.ReadFromJsonAsync<JsonElement>()));

        var wrong = await _ui.PostAsync("/api/rooms/join", new { server = "127.0.0.1:9999", room = "lobby", password = "wrong" }, cookie, csrf);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(("password", "room 'lobby' on 127.0.0.1:9999: the members did not accept our password"),
            FieldError(await wrong.Content.ReadFromJsonAsync<JsonElement>()));

        var changed = await _ui.PostAsync("/api/rooms/join", new { server = "127.0.0.1:9998", room = "lobby", password = Password }, cookie, csrf);
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        var key = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(RoomsNames.KeyChanged, key.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("1111111111111111", key.GetProperty("pinned").GetString());
        Assert.Equal("2222222222222222", key.GetProperty("now").GetString());

        // Not in a room: the daemon's invalid_state, as every route gives it.
        _notInRoom = true;
        var notIn = await _ui.PostAsync("/api/rooms/leave", null, cookie, csrf);
        Assert.Equal(HttpStatusCode.Conflict, notIn.StatusCode);
        Assert.Equal(ControlErrorCodes.InvalidState, (await notIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        // What the UI can tell alone never reaches the daemon.
        int asked = RoomRequests().Count();
        var empty = await _ui.PostAsync("/api/rooms/say", new { text = "  " }, cookie, csrf);
        Assert.Equal(("text", "write something to send"), FieldError(await empty.Content.ReadFromJsonAsync<JsonElement>()));
        var noOn = await _ui.PostAsync("/api/rooms/talk", new { on = "yes" }, cookie, csrf);
        Assert.Equal(("on", "true or false"), FieldError(await noOn.Content.ReadFromJsonAsync<JsonElement>()));
        var numberRoom = await _ui.PostAsync("/api/rooms/join", new { room = 7, password = Password }, cookie, csrf);
        Assert.Equal(("room", "must be text"), FieldError(await numberRoom.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal(asked, RoomRequests().Count());
    }

    [Fact]
    public async Task The_room_password_is_never_logged_nor_echoed_and_the_page_is_linked_from_every_page()
    {
        var (cookie, csrf) = await _ui.SetUpAsync();
        foreach (string server in new[] { "127.0.0.1:9999", "127.0.0.1:9998", "" })
        {
            var response = await _ui.PostAsync("/api/rooms/join", new { server, room = "lobby", password = Password + server }, cookie, csrf);
            Assert.DoesNotContain(Password, await response.Content.ReadAsStringAsync());
        }

        Assert.DoesNotContain(_ui.Log, line => line.Contains(Password, StringComparison.Ordinal));

        var page = await _ui.GetAsync("/rooms", cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"<meta name=\"csrf-token\" content=\"{csrf}\">", html);
        Assert.Contains("<script src=\"/assets/rooms.js\" defer></script>", html);
        Assert.Contains("type=\"password\" id=\"room-password\"", html);
        Assert.Equal("/login", (await _ui.GetAsync("/rooms")).Headers.Location!.OriginalString);
        foreach (string other in new[] { "/home", "/contacts", "/rooms", "/settings", "/diagnostics" })
        {
            Assert.Contains("<a id=\"nav-rooms\" href=\"/rooms\">Rooms</a>", await (await _ui.GetAsync(other, cookie)).Content.ReadAsStringAsync());
        }
    }

    /// <summary>The args of each <c>rooms</c> request the daemon got, in order.</summary>
    private IEnumerable<JsonElement> RoomRequests() =>
        _ui.Daemon.Requests.Where(r => r.Cmd == RoomsNames.Command).Select(r => r.Args!.Value);

    private static (string Key, string Reason) FieldError(JsonElement body)
    {
        var error = body.GetProperty("errors").EnumerateArray().Single();
        return (error.GetProperty("key").GetString()!, error.GetProperty("reason").GetString()!);
    }

    /// <summary>The daemon's answers (as RoomsCommand and RoomController word them): 9998 has a new key, "wrong" is the wrong password, leave is refused once told.</summary>
    private ControlReply Reply(ControlRequest request)
    {
        var args = request.Args!.Value;
        string op = args.GetProperty("op").GetString()!;
        string? server = args.TryGetProperty("server", out var s) ? s.GetString() : null;
        return op switch
        {
            RoomOps.Join when server is null => ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "server: '' is not HOST:PORT"),
            RoomOps.Join when server == "127.0.0.1:9998" => ControlReply.Failure(request.Id, RoomsNames.KeyChanged,
                "cannot join 127.0.0.1:9998: the server's identity key changed: pinned 1111111111111111, now 2222222222222222; join again with accept_new_key if the server was re-installed"),
            RoomOps.Join when args.GetProperty("password").GetString() == "wrong" => ControlReply.Failure(request.Id, RoomsNames.WrongPassword,
                "room 'lobby' on 127.0.0.1:9999: the members did not accept our password"),
            RoomOps.Leave when _notInRoom => ControlReply.Failure(request.Id, ControlErrorCodes.InvalidState, "not in a room"),
            _ => WebFakeDaemon.Ok(request, Joined),
        };
    }
}
