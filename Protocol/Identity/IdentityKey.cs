using System.Security.Cryptography;

namespace PicoTalk.Protocol.Identity;

/// <summary>
/// The appliance's long-term identity: an ECDSA P-256 key (DESIGN.md "Crypto rules"). Its node ID
/// is SHA-1 of its DER SubjectPublicKeyInfo. Signatures are IEEE P1363 r || s (64 bytes), so they
/// have a fixed size on the wire. Storing the PEM file (mode 0600) is the Service's job.
/// </summary>
public sealed class IdentityKey : IDisposable
{
    /// <summary>Bytes of an IEEE P1363 P-256 signature (r and s, 32 bytes each).</summary>
    public const int SignatureSize = 64;

    private readonly ECDsa _key;
    private readonly byte[] _spki;
    private bool _disposed;

    private IdentityKey(ECDsa key)
    {
        _key = key;
        _spki = key.ExportSubjectPublicKeyInfo();
        if (!P256Spki.IsValid(_spki))
        {
            key.Dispose();
            throw new ArgumentException(
                "the identity key must be ECDSA on the named curve P-256 (prime256v1); this key's public key "
                + $"is a {_spki.Length}-byte SubjectPublicKeyInfo of another curve or with explicit curve parameters");
        }

        Id = NodeId.FromSubjectPublicKeyInfo(_spki);
    }

    /// <summary>A fresh random P-256 identity.</summary>
    public static IdentityKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a PKCS#8 PEM ("BEGIN PRIVATE KEY"); refuses any key that is not ECDSA P-256.</summary>
    public static IdentityKey FromPkcs8Pem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ArgumentException(
                $"the identity file is not an ECDSA P-256 PKCS#8 PEM private key: {e.Message}", nameof(pem), e);
        }

        try
        {
            // A PEM that holds only a public key imports too; signing would then fail much later.
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ArgumentException("the identity PEM holds no private key", nameof(pem), e);
        }

        return new IdentityKey(key);
    }

    /// <summary>The private key as PKCS#8 PEM ("BEGIN PRIVATE KEY").</summary>
    public string ToPkcs8Pem()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>The public key as DER SubjectPublicKeyInfo (always the 91-byte form of <see cref="P256Spki"/>).</summary>
    public ReadOnlyMemory<byte> SubjectPublicKeyInfo => _spki;

    /// <summary>SHA-1 of <see cref="SubjectPublicKeyInfo"/>.</summary>
    public NodeId Id { get; }

    /// <summary>ECDSA-P256-SHA256 over <paramref name="data"/>, written as r || s; returns 64.</summary>
    public int Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signature.Length < SignatureSize)
        {
            throw new ArgumentException($"a P-256 signature needs {SignatureSize} bytes, got {signature.Length}", nameof(signature));
        }

        if (!_key.TrySignData(data, signature, HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written) || written != SignatureSize)
        {
            throw new CryptographicException("ECDSA signing did not produce a 64-byte signature");
        }

        return written;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }
}
