using System.Security.Cryptography;
using System.Text;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The room password stretched with Argon2id (RFC 9106, libsodium crypto_pwhash), the one secret our
/// own extensions key from (PICOTALK.md "Its gaps"): PicoTalk feeds the bare password's SHA-512 to
/// its exchange, so one recorded exchange lets an attacker test passwords at hash speed; stretched,
/// each guess costs 64 MiB and a few passes. Derived once per join (it takes about a tenth of a
/// second on a Raspberry Pi 4), then split into subkeys by label, so the CPace password and the mix
/// integrity key are independent of each other.
/// </summary>
public sealed class StretchedPassword : IDisposable
{
    public const int Size = 32;

    /// <summary>crypto_pwhash_OPSLIMIT_INTERACTIVE and crypto_pwhash_MEMLIMIT_INTERACTIVE: libsodium's
    /// advice for keys derived at an interactive step, and within a Pi Zero 2 W's 512 MB.</summary>
    public static readonly PasswordStretchLimits Interactive = new(2, 64 * 1024 * 1024);

    private readonly byte[] _key;

    private StretchedPassword(byte[] key) => _key = key;

    /// <summary>
    /// Stretches <paramref name="password"/> for the room <paramref name="roomId"/> (64 hex digits,
    /// <see cref="RoomId"/>): the salt is the first 16 bytes of SHA-512("picotalk-room-salt" 0x00
    /// roomId), so one password used for two rooms gives two unrelated keys and no table of
    /// precomputed guesses serves every room.
    /// </summary>
    public static StretchedPassword Derive(string password, string roomId, PasswordStretchLimits limits)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(roomId);
        ArgumentNullException.ThrowIfNull(limits);
        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        Sodium.Sha512(Encoding.UTF8.GetBytes("picotalk-room-salt\0" + roomId), digest);
        var key = new byte[Size];
        if (!Sodium.TryPasswordHash(Encoding.UTF8.GetBytes(password), digest[..Sodium.PasswordSaltSize], limits.OpsLimit, limits.MemLimit, key))
        {
            throw new InvalidOperationException($"Argon2id refused ops {limits.OpsLimit}, memory {limits.MemLimit} bytes (out of memory?)");
        }

        return new StretchedPassword(key);
    }

    /// <summary>
    /// A 32-byte subkey for one purpose: the first 32 bytes of SHA-512(label 0x00 key). Labels in use:
    /// "picotalk-cpace" (the CPace password) and "picotalk-mix-mac" (the mixed-frame integrity key).
    /// </summary>
    public void DeriveSubkey(string label, Span<byte> subkey)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (subkey.Length != Size)
        {
            throw new ArgumentException($"subkey must be {Size} bytes", nameof(subkey));
        }

        byte[] prefix = Encoding.UTF8.GetBytes(label + "\0");
        var input = new byte[prefix.Length + Size];
        prefix.CopyTo(input, 0);
        _key.CopyTo(input, prefix.Length);
        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        Sodium.Sha512(input, digest);
        digest[..Size].CopyTo(subkey);
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(digest);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}

/// <summary>Argon2id cost: passes over memory and the memory in bytes (crypto_pwhash opslimit and memlimit).</summary>
public sealed record PasswordStretchLimits(ulong OpsLimit, nuint MemLimit);
