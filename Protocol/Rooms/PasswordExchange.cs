using System.Security.Cryptography;
using System.Text;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// PicoTalk's pairwise password key exchange (SPEKE-like; PICOTALK.md "Inside a room"): each peer
/// sends Binary(32) = X25519(random secret, G) with G = SHA-512(password)[0..32) taken directly as
/// a u-coordinate, and both derive SHA-512(X25519(secret, their public))[0..32).
/// </summary>
/// <remarks>
/// Kept as PicoTalk does it so that our clients talk to PicoTalk clients. Its weaknesses (the
/// generator is not hashed to the curve, the password is not stretched) are listed in
/// PICOTALK.md "Its gaps"; between our own members a stronger exchange replaces it. A public value
/// of small order from the peer is refused, so it cannot force a predictable key.
/// </remarks>
public sealed class PasswordExchange : IDisposable
{
    public const int PublicSize = 32;
    public const int KeySize = 32;

    private readonly byte[] secret = new byte[Sodium.ScalarSize];
    private readonly byte[] publicValue = new byte[PublicSize];

    /// <summary>A fresh exchange for one peer: a random secret on the password's generator.</summary>
    public PasswordExchange(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        Span<byte> generator = stackalloc byte[Sodium.PointSize];
        Generator(password, generator);
        Sodium.RandomBytes(secret);
        Init(generator);
    }

    /// <summary>With a fixed secret, for golden tests.</summary>
    internal PasswordExchange(string password, ReadOnlySpan<byte> secret)
    {
        Span<byte> generator = stackalloc byte[Sodium.PointSize];
        Generator(password, generator);
        secret.CopyTo(this.secret);
        Init(generator);
    }

    /// <summary>The Binary(32) payload to send the peer.</summary>
    public ReadOnlySpan<byte> PublicValue => publicValue;

    /// <summary>G = SHA-512(UTF-8 password)[0..32).</summary>
    public static void Generator(string password, Span<byte> generator)
    {
        if (generator.Length != Sodium.PointSize)
        {
            throw new ArgumentException($"the generator is {Sodium.PointSize} bytes", nameof(generator));
        }

        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        Sodium.Sha512(Encoding.UTF8.GetBytes(password), digest);
        digest[..Sodium.PointSize].CopyTo(generator);
        digest.Clear();
    }

    /// <summary>The shared key from the peer's public value. False if it is not 32 bytes or of small order.</summary>
    public bool TryDeriveKey(ReadOnlySpan<byte> theirPublic, Span<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"the key is {KeySize} bytes", nameof(key));
        }

        if (theirPublic.Length != PublicSize)
        {
            key.Clear();
            return false;
        }

        Span<byte> shared = stackalloc byte[Sodium.PointSize];
        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        try
        {
            if (!Sodium.TryScalarMult(secret, theirPublic, shared))
            {
                key.Clear();
                return false;
            }

            Sodium.Sha512(shared, digest);
            digest[..KeySize].CopyTo(key);
            return true;
        }
        finally
        {
            shared.Clear();
            digest.Clear();
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(secret);

    private void Init(ReadOnlySpan<byte> generator)
    {
        // Fails only if SHA-512 of the password lands on one of the handful of small-order
        // u-coordinates (probability about 2^-250): no password does in practice.
        if (!Sodium.TryScalarMult(secret, generator, publicValue))
        {
            throw new ArgumentException("the password's generator is a point of small order");
        }
    }
}
