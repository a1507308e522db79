using System.Security.Cryptography;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// An X25519 key pair as PyNaCl's <c>PrivateKey</c> makes it: 32 random bytes, public key =
/// X25519(secret, 9) (RFC 7748 §6.1). The secret is wiped on dispose.
/// </summary>
public sealed class X25519KeyPair : IDisposable
{
    public const int KeySize = 32;

    private readonly byte[] secret;
    private readonly byte[] publicKey = new byte[KeySize];

    private X25519KeyPair(byte[] secret)
    {
        this.secret = secret;
        Sodium.ScalarMultBase(secret, publicKey);
    }

    public ReadOnlySpan<byte> PublicKey => publicKey;

    /// <summary>The secret scalar (unclamped, as drawn; X25519 clamps on use).</summary>
    public ReadOnlySpan<byte> Secret => secret;

    public static X25519KeyPair Generate()
    {
        var secret = new byte[KeySize];
        Sodium.RandomBytes(secret);
        return new X25519KeyPair(secret);
    }

    /// <summary>A key pair from a stored secret (our server's persistent identity).</summary>
    public static X25519KeyPair FromSecret(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != KeySize)
        {
            throw new ArgumentException($"an X25519 secret is {KeySize} bytes", nameof(secret));
        }

        return new X25519KeyPair(secret.ToArray());
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(secret);
}
