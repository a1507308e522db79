using System.Security.Cryptography;

namespace PicoTalk.Protocol.Identity;

/// <summary>
/// The one public-key encoding the appliance accepts (DESIGN.md "Crypto rules"): the DER
/// SubjectPublicKeyInfo of an uncompressed P-256 point with the named curve prime256v1.
/// </summary>
/// <remarks>
/// <code>
///  offset  bytes                                   meaning (RFC 5280 §4.1.2.7, RFC 5480 §2)
///  0       30 59                                   SEQUENCE, 89 bytes
///  2       30 13                                     SEQUENCE AlgorithmIdentifier, 19 bytes
///  4       06 07 2a 86 48 ce 3d 02 01                  OID 1.2.840.10045.2.1 id-ecPublicKey
///  13      06 08 2a 86 48 ce 3d 03 01 07               OID 1.2.840.10045.3.1.7 prime256v1
///  23      03 42 00                                  BIT STRING, 66 bytes, 0 unused bits
///  26      04                                          uncompressed point (SEC 1 §2.3.3)
///  27      X (32) | Y (32)
/// </code>
/// Because exactly one encoding is valid, the check is a byte comparison of the 27-byte prefix
/// and the total length. Explicit curve parameters (RFC 5480 §2.1.1 forbids them for PKIX; they
/// were the vector of CVE-2020-0601), other curves, RSA, Ed25519, compressed points and trailing
/// bytes all fail it BEFORE the bytes reach the crypto library's ASN.1 parser. Only then does the
/// import check that the point lies on the curve.
/// </remarks>
public static class P256Spki
{
    /// <summary>Total DER length.</summary>
    public const int Size = 91;

    /// <summary>Bytes before the coordinates (header, algorithm, BIT STRING header, 0x04).</summary>
    public const int PrefixSize = 27;

    /// <summary>Bytes of X || Y.</summary>
    public const int PointSize = 64;

    private static ReadOnlySpan<byte> Prefix =>
    [
        0x30, 0x59, 0x30, 0x13,
        0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
        0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        0x03, 0x42, 0x00, 0x04,
    ];

    /// <summary>True only for the exact DER form above (no parsing, no crypto).</summary>
    public static bool IsValid(ReadOnlySpan<byte> der) =>
        der.Length == Size && der[..PrefixSize].SequenceEqual(Prefix);

    /// <summary>Imports a peer's ECDSA identity key, or refuses (false) any other encoding or an off-curve point.</summary>
    public static bool TryImportEcdsa(ReadOnlySpan<byte> der, out ECDsa? key)
    {
        key = null;
        return IsValid(der) && TryImport(der, ECDsa.Create(), out key);
    }

    /// <summary>Imports a peer's ephemeral ECDH key, or refuses (false) any other encoding or an off-curve point.</summary>
    public static bool TryImportEcdh(ReadOnlySpan<byte> der, out ECDiffieHellman? key)
    {
        key = null;
        return IsValid(der) && TryImport(der, ECDiffieHellman.Create(), out key);
    }

    /// <summary>The import of bytes that passed <see cref="IsValid"/> (so nothing else ever reaches
    /// the crypto library, nor costs a key object); it also refuses a point that is not on the curve.</summary>
    private static bool TryImport<T>(ReadOnlySpan<byte> der, T candidate, out T? key)
        where T : AsymmetricAlgorithm
    {
        key = null;
        try
        {
            candidate.ImportSubjectPublicKeyInfo(der, out int read);
            if (read != Size)
            {
                return false;
            }

            key = candidate;
            return true;
        }
        catch (CryptographicException)
        {
            // OpenSSL refuses points that are not on the curve ("point is not on curve").
            return false;
        }
        finally
        {
            if (key is null)
            {
                candidate.Dispose();
            }
        }
    }
}
