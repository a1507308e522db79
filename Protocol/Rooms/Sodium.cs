using System.Runtime.InteropServices;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The libsodium primitives the rooms protocol uses (Debian <c>libsodium23</c>, 1.0.18), the one
/// file that touches the native library. Each wrapper checks every span's size before the native
/// call (libsodium trusts the caller's lengths) and allocates nothing, so the audio path can use
/// them per frame.
/// </summary>
/// <remarks>
/// Signatures follow the libsodium documentation (doc.libsodium.org): "Point*scalar
/// multiplication", "Authenticated encryption" (secretbox, combined mode: the 16-byte MAC comes
/// first, then the ciphertext, as in NaCl and PyNaCl), "Public-key authenticated encryption /
/// Precalculation interface" (crypto_box_beforenm = HSalsa20 over the X25519 result),
/// "XSalsa20", "SHA-2", "Generating random data", "Ristretto" and "Password hashing".
/// <c>unsigned long long</c> is <see cref="ulong"/> and <c>size_t</c> is <see cref="nuint"/>.
/// </remarks>
public static unsafe partial class Sodium
{
    private const string Library = "libsodium.so.23";

    public const int ScalarSize = 32;       // crypto_scalarmult_SCALARBYTES
    public const int PointSize = 32;        // crypto_scalarmult_BYTES
    public const int BoxKeySize = 32;       // crypto_box_BEFORENMBYTES
    public const int SecretBoxKeySize = 32; // crypto_secretbox_KEYBYTES
    public const int NonceSize = 24;        // crypto_secretbox_NONCEBYTES = crypto_stream_xsalsa20_NONCEBYTES
    public const int MacSize = 16;          // crypto_secretbox_MACBYTES
    public const int Sha512Size = 64;       // crypto_hash_sha512_BYTES
    public const int RistrettoPointSize = 32;      // crypto_core_ristretto255_BYTES
    public const int RistrettoHashSize = 64;       // crypto_core_ristretto255_HASHBYTES
    public const int RistrettoScalarSize = 32;     // crypto_core_ristretto255_SCALARBYTES
    public const int PasswordSaltSize = 16;        // crypto_pwhash_SALTBYTES
    public const int PasswordHashMinBytes = 16;    // crypto_pwhash_BYTES_MIN
    public const int Argon2id13 = 2;               // crypto_pwhash_ALG_ARGON2ID13

    static Sodium()
    {
        // sodium_init: 0 on success, 1 if already initialised, -1 on failure. It must run before
        // any other call (it picks the implementations and seeds randombytes).
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("sodium_init failed");
        }
    }

    /// <summary>Forces the one-time initialisation (and the library load) now, e.g. at start-up.</summary>
    public static void EnsureLoaded()
    {
    }

    /// <summary>X25519 public key of <paramref name="secret"/> (crypto_scalarmult_base; clamps).</summary>
    public static void ScalarMultBase(ReadOnlySpan<byte> secret, Span<byte> publicKey)
    {
        Require(secret, ScalarSize, nameof(secret));
        Require(publicKey, PointSize, nameof(publicKey));
        fixed (byte* n = secret)
        fixed (byte* q = publicKey)
        {
            if (crypto_scalarmult_base(q, n) != 0)
            {
                throw new InvalidOperationException("crypto_scalarmult_base failed");
            }
        }
    }

    /// <summary>
    /// X25519(<paramref name="secret"/>, <paramref name="point"/>) (crypto_scalarmult, RFC 7748 §5).
    /// False when libsodium refuses: a point of small order or an all-zero result, which a peer can
    /// force by sending such a point; the result is then cleared.
    /// </summary>
    public static bool TryScalarMult(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> point, Span<byte> result)
    {
        Require(secret, ScalarSize, nameof(secret));
        Require(point, PointSize, nameof(point));
        Require(result, PointSize, nameof(result));
        fixed (byte* n = secret)
        fixed (byte* p = point)
        fixed (byte* q = result)
        {
            if (crypto_scalarmult(q, n, p) != 0)
            {
                result.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>NaCl box key: HSalsa20(X25519(<paramref name="secret"/>, <paramref name="publicKey"/>), 0). False as for <see cref="TryScalarMult"/>.</summary>
    public static bool TryBoxBeforeNm(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secret, Span<byte> key)
    {
        Require(publicKey, PointSize, nameof(publicKey));
        Require(secret, ScalarSize, nameof(secret));
        Require(key, BoxKeySize, nameof(key));
        fixed (byte* pk = publicKey)
        fixed (byte* sk = secret)
        fixed (byte* k = key)
        {
            if (crypto_box_beforenm(k, pk, sk) != 0)
            {
                key.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// XSalsa20-Poly1305 (crypto_secretbox_easy): writes MAC (16) || ciphertext into
    /// <paramref name="sealedBox"/>, which is exactly <see cref="MacSize"/> longer than the message.
    /// </summary>
    public static void SecretBoxSeal(ReadOnlySpan<byte> message, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> key, Span<byte> sealedBox)
    {
        Require(nonce, NonceSize, nameof(nonce));
        Require(key, SecretBoxKeySize, nameof(key));
        Require(sealedBox, message.Length + MacSize, nameof(sealedBox));
        byte empty = 0;
        fixed (byte* m = message)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        fixed (byte* c = sealedBox)
        {
            // An empty span pins to null; give libsodium a valid address it will not read.
            if (crypto_secretbox_easy(c, message.IsEmpty ? &empty : m, (ulong)message.Length, n, k) != 0)
            {
                throw new InvalidOperationException("crypto_secretbox_easy failed");
            }
        }
    }

    /// <summary>
    /// Verifies and decrypts MAC || ciphertext (crypto_secretbox_open_easy) into
    /// <paramref name="message"/> (16 bytes shorter). False, with the output cleared, if forged or
    /// shorter than a MAC.
    /// </summary>
    public static bool TrySecretBoxOpen(ReadOnlySpan<byte> sealedBox, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> key, Span<byte> message)
    {
        Require(nonce, NonceSize, nameof(nonce));
        Require(key, SecretBoxKeySize, nameof(key));
        if (sealedBox.Length < MacSize)
        {
            return false;
        }

        Require(message, sealedBox.Length - MacSize, nameof(message));
        byte empty = 0;
        fixed (byte* c = sealedBox)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        fixed (byte* m = message)
        {
            // An empty message span pins to null; libsodium writes nothing then, so pass a valid address.
            byte* target = message.IsEmpty ? &empty : m;
            if (crypto_secretbox_open_easy(target, c, (ulong)sealedBox.Length, n, k) != 0)
            {
                message.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>Fills <paramref name="output"/> with XSalsa20 key stream from block 0 (crypto_stream_xsalsa20).</summary>
    public static void XSalsa20Stream(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> key, Span<byte> output)
    {
        Require(nonce, NonceSize, nameof(nonce));
        Require(key, SecretBoxKeySize, nameof(key));
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        fixed (byte* c = output)
        {
            if (crypto_stream_xsalsa20(c, (ulong)output.Length, n, k) != 0)
            {
                throw new InvalidOperationException("crypto_stream_xsalsa20 failed");
            }
        }
    }

    /// <summary>SHA-512 (crypto_hash_sha512, FIPS 180-4) of <paramref name="input"/>.</summary>
    public static void Sha512(ReadOnlySpan<byte> input, Span<byte> digest)
    {
        Require(digest, Sha512Size, nameof(digest));
        byte empty = 0;
        fixed (byte* i = input)
        fixed (byte* o = digest)
        {
            // An empty span pins to null; give libsodium a valid address it will not read.
            crypto_hash_sha512(o, input.IsEmpty ? &empty : i, (ulong)input.Length);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from the system CSPRNG (randombytes_buf).</summary>
    public static void RandomBytes(Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            randombytes_buf(b, (nuint)buffer.Length);
        }
    }

    /// <summary>Maps a 64-byte uniform string to a ristretto255 point (crypto_core_ristretto255_from_hash; RFC 9496 §4.3.4).</summary>
    public static void RistrettoFromHash(ReadOnlySpan<byte> hash, Span<byte> point)
    {
        Require(hash, RistrettoHashSize, nameof(hash));
        Require(point, RistrettoPointSize, nameof(point));
        fixed (byte* r = hash)
        fixed (byte* p = point)
        {
            if (crypto_core_ristretto255_from_hash(p, r) != 0)
            {
                throw new InvalidOperationException("crypto_core_ristretto255_from_hash failed");
            }
        }
    }

    /// <summary>A uniformly random non-zero ristretto255 scalar (crypto_core_ristretto255_scalar_random).</summary>
    public static void RistrettoRandomScalar(Span<byte> scalar)
    {
        Require(scalar, RistrettoScalarSize, nameof(scalar));
        fixed (byte* s = scalar)
        {
            crypto_core_ristretto255_scalar_random(s);
        }
    }

    /// <summary>
    /// <paramref name="scalar"/> times <paramref name="point"/> on ristretto255 (crypto_scalarmult_ristretto255).
    /// False for an invalid encoding or the identity result; the result is then cleared.
    /// </summary>
    public static bool TryRistrettoScalarMult(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point, Span<byte> result)
    {
        Require(scalar, RistrettoScalarSize, nameof(scalar));
        Require(point, RistrettoPointSize, nameof(point));
        Require(result, RistrettoPointSize, nameof(result));
        fixed (byte* n = scalar)
        fixed (byte* p = point)
        fixed (byte* q = result)
        {
            if (crypto_scalarmult_ristretto255(q, n, p) != 0)
            {
                result.Clear();
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Argon2id v1.3 (crypto_pwhash with crypto_pwhash_ALG_ARGON2ID13, RFC 9106) of
    /// <paramref name="password"/> into <paramref name="output"/> (at least 16 bytes).
    /// False if libsodium refuses the limits or runs out of memory.
    /// </summary>
    public static bool TryPasswordHash(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, ulong opsLimit, nuint memLimit, Span<byte> output)
    {
        Require(salt, PasswordSaltSize, nameof(salt));
        if (output.Length < PasswordHashMinBytes)
        {
            throw new ArgumentException($"crypto_pwhash needs at least {PasswordHashMinBytes} output bytes", nameof(output));
        }

        byte empty = 0;
        fixed (byte* pw = password)
        fixed (byte* s = salt)
        fixed (byte* o = output)
        {
            return crypto_pwhash(o, (ulong)output.Length, password.IsEmpty ? &empty : pw, (ulong)password.Length, s, opsLimit, memLimit, Argon2id13) == 0;
        }
    }

    private static void Require(ReadOnlySpan<byte> span, int size, string name)
    {
        if (span.Length != size)
        {
            throw new ArgumentException($"{name} must be {size} bytes, got {span.Length}", name);
        }
    }

    // ---- Native entry points (sodium/core.h, crypto_scalarmult.h, crypto_box.h, crypto_secretbox.h,
    //      crypto_stream_xsalsa20.h, crypto_hash_sha512.h, randombytes.h, crypto_core_ristretto255.h,
    //      crypto_scalarmult_ristretto255.h, crypto_pwhash.h) ----

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_base(byte* q, byte* n);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    private static partial int crypto_box_beforenm(byte* k, byte* pk, byte* sk);

    [LibraryImport(Library)]
    private static partial int crypto_secretbox_easy(byte* c, byte* m, ulong mlen, byte* n, byte* k);

    [LibraryImport(Library)]
    private static partial int crypto_secretbox_open_easy(byte* m, byte* c, ulong clen, byte* n, byte* k);

    [LibraryImport(Library)]
    private static partial int crypto_stream_xsalsa20(byte* c, ulong clen, byte* n, byte* k);

    [LibraryImport(Library)]
    private static partial int crypto_hash_sha512(byte* @out, byte* @in, ulong inlen);

    [LibraryImport(Library)]
    private static partial void randombytes_buf(byte* buf, nuint size);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_from_hash(byte* p, byte* r);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_random(byte* r);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ristretto255(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    private static partial int crypto_pwhash(byte* @out, ulong outlen, byte* passwd, ulong passwdlen, byte* salt,
        ulong opslimit, nuint memlimit, int alg);
}
