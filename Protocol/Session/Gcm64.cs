using System.Buffers;
using System.Security.Cryptography;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// AES-256-GCM with a 64-bit tag on top of .NET's <see cref="AesGcm"/>, which only emits 12..16-byte tags.
/// </summary>
/// <remarks>
/// NIST SP 800-38D §5.2.1.2 and §7.1 define the t-bit tag as T = MSB_t(GCTR(J0, S)): a 64-bit tag is
/// by definition the first 8 bytes of the full 128-bit tag, computed over the same ciphertext and AAD.
/// So:
/// <list type="bullet">
/// <item>Seal: encrypt with a 16-byte tag and keep its first 8 bytes.</item>
/// <item>Open: GCTR is a CTR keystream XOR (§6.5), so "encrypting" the ciphertext C yields the
/// plaintext P; encrypting P again yields C and the full tag over C and the AAD; compare its first 8
/// bytes with the received tag in constant time (§7.2 step 6). On mismatch the output is cleared, so
/// unauthenticated plaintext never leaves this class.</item>
/// </list>
/// Opening costs two passes instead of one; in exchange the code needs nothing but the platform
/// AES-GCM (OpenSSL), and the scratch tag and buffer live on the stack, so nothing is allocated.
/// The <see cref="AesGcm"/> passed in must be created with a 16-byte tag size.
/// </remarks>
public static class Gcm64
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 8;

    /// <summary>The tag size the underlying <see cref="AesGcm"/> must be created with.</summary>
    public const int FullTagSize = 16;

    // Larger ciphertexts (none on a 1500-byte MTU) borrow a pooled buffer instead of the stack.
    private const int MaxStackScratch = 2048;

    public static AesGcm CreateCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"AES-256 needs a {KeySize}-byte key, got {key.Length}", nameof(key));
        }

        return new AesGcm(key, FullTagSize);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length) and writes the 8-byte tag.</summary>
    public static void Seal(AesGcm aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext,
        Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (tag.Length != TagSize)
        {
            throw new ArgumentException($"the tag is {TagSize} bytes", nameof(tag));
        }

        Span<byte> fullTag = stackalloc byte[FullTagSize];
        aes.Encrypt(nonce, plaintext, ciphertext, fullTag, associatedData);
        fullTag[..TagSize].CopyTo(tag);
    }

    /// <summary>
    /// Decrypts and authenticates. <paramref name="plaintext"/> must be as long as the ciphertext and
    /// must not overlap it. Returns false (and clears <paramref name="plaintext"/>) if the tag fails.
    /// </summary>
    public static bool TryOpen(AesGcm aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag,
        Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (tag.Length != TagSize || plaintext.Length != ciphertext.Length)
        {
            return false;
        }

        byte[]? rented = null;
        Span<byte> scratch = ciphertext.Length <= MaxStackScratch
            ? stackalloc byte[MaxStackScratch]
            : (rented = ArrayPool<byte>.Shared.Rent(ciphertext.Length));
        scratch = scratch[..ciphertext.Length];
        Span<byte> fullTag = stackalloc byte[FullTagSize];
        try
        {
            // (1) CTR is symmetric: E(C) = P. The tag of this pass is over P and is discarded.
            aes.Encrypt(nonce, ciphertext, plaintext, fullTag, associatedData);
            // (2) E(P) = C again, with the tag over the received ciphertext and AAD.
            aes.Encrypt(nonce, plaintext, scratch, fullTag, associatedData);
            // (3) Compare MSB_64 of it in constant time.
            if (CryptographicOperations.FixedTimeEquals(fullTag[..TagSize], tag))
            {
                return true;
            }

            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratch);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
