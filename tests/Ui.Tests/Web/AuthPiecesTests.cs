using System.Net;
using System.Text;
using PicoTalk.TestSupport;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>The web page's security pieces alone: password hashing, the signed session cookie,
/// sessions and their CSRF tokens, the origin check, the login throttle, the set-up code.</summary>
public sealed class AuthPiecesTests
{
    private const int FastIterations = 1_000;

    [Fact]
    public void A_password_verifies_and_another_does_not()
    {
        var hash = AdminPassword.Hash("correct horse", FastIterations);
        Assert.True(AdminPassword.Verify("correct horse", hash));
        Assert.False(AdminPassword.Verify("correct hors", hash));
        Assert.False(AdminPassword.Verify("Correct horse", hash));
        Assert.False(AdminPassword.Verify("", hash));
    }

    [Fact]
    public void The_stored_hash_is_PBKDF2_SHA256_with_600000_iterations_and_a_fresh_16_byte_salt()
    {
        var first = AdminPassword.Hash("correct horse");
        var second = AdminPassword.Hash("correct horse", FastIterations);
        Assert.Equal("PBKDF2-SHA256", first.Algorithm);
        Assert.Equal(600_000, first.Iterations);
        Assert.Equal(16, first.Salt.Length);
        Assert.Equal(32, first.Hash.Length);
        Assert.NotEqual(first.Salt, second.Salt);

        // RFC 8018 PBKDF2 computed independently of AdminPassword.
        byte[] expected = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes("correct horse"), first.Salt, 600_000, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        Assert.Equal(expected, first.Hash);

        var roundTrip = AdminPassword.Deserialize(AdminPassword.Serialize(first))!;
        Assert.True(AdminPassword.Verify("correct horse", roundTrip));
    }

    [Fact]
    public void A_stored_hash_that_was_altered_verifies_nothing()
    {
        var hash = AdminPassword.Hash("correct horse", FastIterations);
        byte[] flipped = (byte[])hash.Hash.Clone();
        flipped[^1] ^= 1;
        Assert.False(AdminPassword.Verify("correct horse", hash with { Hash = flipped }));
        Assert.False(AdminPassword.Verify("correct horse", hash with { Iterations = FastIterations + 1 }));
        Assert.False(AdminPassword.Verify("correct horse", hash with { Algorithm = "PBKDF2-SHA1" }));
        Assert.Null(AdminPassword.Deserialize("{not json"u8));
    }

    [Fact]
    public void A_signed_cookie_names_its_session_and_any_change_voids_it()
    {
        var cookie = new SessionCookie(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        string id = SessionCookie.NewId();
        string value = cookie.Sign(id);
        Assert.Equal(id, cookie.Verify(value));

        // Each character of the value changed in turn: none of the results is accepted.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '.')
            {
                continue;
            }

            char other = alphabet[(alphabet.IndexOf(value[i]) + 1) % alphabet.Length];
            string tampered = value[..i] + other + value[(i + 1)..];
            Assert.Null(cookie.Verify(tampered));
        }

        Assert.Null(cookie.Verify(SessionCookie.NewId() + value[value.IndexOf('.')..]));
        Assert.Null(new SessionCookie(new byte[32]).Verify(value));
        Assert.Null(cookie.Verify(id));
        Assert.Null(cookie.Verify(id + "."));
        Assert.Null(cookie.Verify(id + ".!!!"));
        Assert.Null(cookie.Verify(null));
    }

    [Fact]
    public void The_session_key_is_made_once_0600_and_read_back()
    {
        using var dir = new TempDirectory("ptui-key");
        string path = dir.File("session.key");
        var first = SessionCookie.LoadOrCreate(path);
        Assert.Equal(32, new FileInfo(path).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        string value = first.Sign(SessionCookie.NewId());
        Assert.NotNull(SessionCookie.LoadOrCreate(path).Verify(value));
    }

    [Fact]
    public void A_session_ends_after_12_hours_idle_and_each_use_restarts_the_clock()
    {
        var time = new FakeTimeProvider();
        var store = new SessionStore(time);
        var session = store.Create();
        time.Advance(TimeSpan.FromHours(11));
        Assert.Same(session, store.Touch(session.Id));
        time.Advance(TimeSpan.FromHours(11));
        Assert.Same(session, store.Touch(session.Id));
        time.Advance(TimeSpan.FromHours(12));
        Assert.Null(store.Touch(session.Id));
        Assert.Null(store.Touch("no such session"));
    }

    [Fact]
    public void A_session_accepts_only_its_own_CSRF_token()
    {
        var store = new SessionStore(new FakeTimeProvider());
        var one = store.Create();
        var two = store.Create();
        Assert.True(one.CsrfMatches(one.CsrfToken));
        Assert.False(one.CsrfMatches(two.CsrfToken));
        Assert.False(one.CsrfMatches(one.CsrfToken[..^1]));
        Assert.False(one.CsrfMatches(""));
        Assert.False(one.CsrfMatches(null));
        Assert.True(one.CsrfToken.Length >= 43, "256 random bits, base64url");
    }

    [Theory]
    [InlineData("http://192.168.1.20:8080", null, true)]
    [InlineData("http://192.168.1.20:8080", "http://evil.example/", true)] // Origin wins over Referer
    [InlineData(null, "http://192.168.1.20:8080/settings", true)]
    [InlineData(null, null, true)] // not a browser: the session and CSRF token still apply
    [InlineData("http://192.168.1.21:8080", null, false)]
    [InlineData("http://192.168.1.20:8081", null, false)]
    [InlineData("https://192.168.1.20:8080", null, false)]
    [InlineData("http://192.168.1.20", null, false)]
    [InlineData("null", null, false)]
    [InlineData("http://192.168.1.20:8080.evil.example", null, false)]
    [InlineData(null, "http://evil.example/http://192.168.1.20:8080/", false)]
    [InlineData(null, "not a url", false)]
    public void Only_the_page_s_own_origin_passes(string? origin, string? referer, bool passes) =>
        Assert.Equal(passes, OriginCheck.IsSameOrigin("http", "192.168.1.20:8080", origin, referer));

    [Fact]
    public void The_tenth_wrong_password_in_a_minute_is_refused_until_the_minute_is_over()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        var client = IPAddress.Parse("192.168.1.50");
        var neighbour = IPAddress.Parse("192.168.1.51");
        for (int attempt = 1; attempt <= 9; attempt++)
        {
            Assert.True(throttle.IsAllowed(client), $"attempt {attempt}");
            throttle.RecordFailure(client);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(throttle.IsAllowed(client));
        Assert.True(throttle.IsAllowed(neighbour));
        Assert.Equal(TimeSpan.FromSeconds(51), throttle.RetryAfter(client));

        // The first failure turns a minute old: one more attempt.
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.False(throttle.IsAllowed(client));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.IsAllowed(client));
        throttle.RecordFailure(client);
        Assert.False(throttle.IsAllowed(client));

        throttle.RecordSuccess(client);
        Assert.True(throttle.IsAllowed(client));
    }

    [Fact]
    public void The_throttle_forgets_old_addresses_instead_of_growing()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (int i = 0; i < LoginThrottle.MaxAddresses + 100; i++)
        {
            throttle.RecordFailure(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)));
        }

        Assert.Equal(LoginThrottle.MaxAddresses, throttle.TrackedAddresses);

        // A fresh address is still tracked once the table is full.
        var last = IPAddress.Parse("172.16.0.1");
        for (int i = 0; i < 9; i++)
        {
            throttle.RecordFailure(last);
        }

        Assert.False(throttle.IsAllowed(last));
    }

    [Fact]
    public void Set_up_needs_the_code_from_the_0600_file_and_happens_once()
    {
        using var dir = new TempDirectory("ptui-setup");
        var store = new AdminStore(dir.Path, FastIterations);
        string codePath = dir.File(SetupCode.FileName);
        string code = File.ReadAllText(codePath).Trim();
        Assert.Matches("^[0-9]{8}$", code);
        Assert.Equal(code, store.SetupCodeValue);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(codePath));
        Assert.False(store.IsSetUp);

        string wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(SetupOutcome.WrongCode, store.TrySetUp(wrong, "correct horse"));
        Assert.Equal(SetupOutcome.WrongCode, store.TrySetUp(null, "correct horse"));
        Assert.False(store.IsSetUp);

        Assert.Equal(SetupOutcome.Done, store.TrySetUp(code, "correct horse"));
        Assert.False(File.Exists(codePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File(AdminStore.FileName)));
        Assert.Equal(SetupOutcome.AlreadySetUp, store.TrySetUp(code, "another password"));
        Assert.True(store.Verify("correct horse"));
        Assert.False(store.Verify("another password"));

        // A restart reads the password back and offers no set-up.
        var reloaded = new AdminStore(dir.Path, FastIterations);
        Assert.True(reloaded.IsSetUp);
        Assert.Null(reloaded.SetupCodeValue);
        Assert.True(reloaded.Verify("correct horse"));
        Assert.False(File.Exists(codePath));
    }

    [Fact]
    public void The_QR_text_carries_the_ID_and_name_and_reads_back()
    {
        const string id = "0123456789abcdef0123456789abcdef01234567";
        string text = Ui.Web.IdQrCode.Text(id, "Front door & gate");
        Assert.Equal("picotalk:" + id + "?name=Front%20door%20%26%20gate", text);
        Assert.True(Ui.Web.IdQrCode.TryParse(text, out string parsed, out string? name));
        Assert.Equal((id, "Front door & gate"), (parsed, name));
        Assert.True(Ui.Web.IdQrCode.TryParse(id.ToUpperInvariant(), out parsed, out name));
        Assert.Equal((id, (string?)null), (parsed, name));
        Assert.False(Ui.Web.IdQrCode.TryParse("picotalk:" + id[..39], out _, out _));
        Assert.False(Ui.Web.IdQrCode.TryParse("127.0.0.1:5004", out _, out _));
        string svg = Ui.Web.IdQrCode.Svg(text);
        Assert.StartsWith("<svg id=\"id-qr\"", svg);
        Assert.DoesNotContain("style=", svg); // CSP: no inline styles
    }
}
