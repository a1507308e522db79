using System.Buffers.Text;
using System.Security.Cryptography;

namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// The session cookie's value: a random 32-byte session id and its HMAC-SHA256 (RFC 2104) under the
/// 32-byte key in session.key, both base64url (RFC 4648 §5), joined by a dot. The MAC lets the server
/// throw away a forged or altered cookie before it looks anything up; the id's 256 random bits make
/// guessing a live session hopeless.
/// </summary>
internal sealed class SessionCookie
{
    public const string Name = "picotalk_session";
    public const int KeyBytes = 32;
    public const int IdBytes = 32;

    private readonly byte[] _key;

    public SessionCookie(byte[] key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"a session key is {KeyBytes} bytes, not {key.Length}", nameof(key));
        }

        _key = key;
    }

    /// <summary>Reads session.key from <paramref name="path"/>, or makes a new one there (0600).</summary>
    public static SessionCookie LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            byte[] existing = File.ReadAllBytes(path);
            if (existing.Length == KeyBytes)
            {
                return new SessionCookie(existing);
            }
        }

        // A missing or damaged key: a new one only logs everybody out.
        byte[] key = RandomNumberGenerator.GetBytes(KeyBytes);
        SecretFile.Write(path, key);
        return new SessionCookie(key);
    }

    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdBytes));

    /// <summary>The cookie value for session <paramref name="id"/>.</summary>
    public string Sign(string id) => id + "." + Base64Url.EncodeToString(Mac(id));

    /// <summary>The session id in <paramref name="cookie"/> if its MAC is right, else null.</summary>
    public string? Verify(string? cookie)
    {
        if (cookie is null || cookie.Length > 200)
        {
            return null;
        }

        int dot = cookie.IndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        string id = cookie[..dot];
        byte[] mac;
        try
        {
            mac = Base64Url.DecodeFromChars(cookie.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(mac, Mac(id)) ? id : null;
    }

    private byte[] Mac(string id) => HMACSHA256.HashData(_key, System.Text.Encoding.ASCII.GetBytes(id));
}
