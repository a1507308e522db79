using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PicoTalk.Ui.Web.Security;

/// <summary>The stored form of the admin password (admin.json): PBKDF2 (RFC 8018 §5.2) with HMAC-SHA256.</summary>
internal sealed record AdminPasswordHash(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("iterations")] int Iterations,
    [property: JsonPropertyName("salt")] byte[] Salt,
    [property: JsonPropertyName("hash")] byte[] Hash);

[JsonSerializable(typeof(AdminPasswordHash))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;

/// <summary>
/// Hashes and checks the admin password. 600,000 iterations of PBKDF2-HMAC-SHA256 is OWASP's
/// Password Storage Cheat Sheet figure for that function; a 16-byte random salt (RFC 8018 §4.1 asks
/// for at least 8) and a 32-byte output (SHA-256's size: more adds no strength).
/// </summary>
internal static class AdminPassword
{
    public const string Algorithm = "PBKDF2-SHA256";
    public const int Iterations = 600_000;
    public const int SaltBytes = 16;
    public const int HashBytes = 32;

    /// <summary>Our choices: at least 8 characters (NIST SP 800-63B §5.1.1.2), at most 1024 so a
    /// huge body cannot make PBKDF2 hash megabytes.</summary>
    public const int MinLength = 8;
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="password"/> cannot be the admin password, or null if it can.</summary>
    public static string? Problem(string? password) => password switch
    {
        null or "" => "a password is needed",
        { Length: < MinLength } => $"at least {MinLength} characters",
        { Length: > MaxLength } => $"at most {MaxLength} characters",
        _ => null,
    };

    public static AdminPasswordHash Hash(string password, int iterations = Iterations)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new AdminPasswordHash(Algorithm, iterations, salt, Derive(password, salt, iterations));
    }

    /// <summary>Whether <paramref name="password"/> matches; the comparison takes the same time wherever the bytes differ.</summary>
    public static bool Verify(string password, AdminPasswordHash stored)
    {
        if (stored.Algorithm != Algorithm || stored.Iterations < 1 || stored.Hash.Length != HashBytes || password.Length > MaxLength)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, stored.Salt, stored.Iterations), stored.Hash);
    }

    public static byte[] Serialize(AdminPasswordHash hash) => JsonSerializer.SerializeToUtf8Bytes(hash, AdminJsonContext.Default.AdminPasswordHash);

    public static AdminPasswordHash? Deserialize(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AdminJsonContext.Default.AdminPasswordHash);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
