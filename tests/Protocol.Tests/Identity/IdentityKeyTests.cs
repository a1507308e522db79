using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Identity;

public sealed class IdentityKeyTests
{
    [Fact]
    public void Generated_key_has_a_strict_spki_and_its_id_is_the_sha1_of_it()
    {
        using var key = IdentityKey.Generate();
        Assert.True(P256Spki.IsValid(key.SubjectPublicKeyInfo.Span));
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(key.SubjectPublicKeyInfo.Span)), key.Id.ToString());
    }

    [Fact]
    public void Pem_round_trip_keeps_the_identity()
    {
        using var key = IdentityKey.Generate();
        string pem = key.ToPkcs8Pem();
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        using var loaded = IdentityKey.FromPkcs8Pem(pem);
        Assert.Equal(key.Id, loaded.Id);
        Assert.Equal(key.SubjectPublicKeyInfo.ToArray(), loaded.SubjectPublicKeyInfo.ToArray());
    }

    [Fact]
    public void Signature_is_64_byte_p1363_over_sha256()
    {
        using var key = IdentityKey.Generate();
        var signature = new byte[80];
        byte[] data = "hello"u8.ToArray();
        Assert.Equal(64, key.Sign(data, signature));
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.SubjectPublicKeyInfo.Span, out _);
        Assert.True(verifier.VerifyData(data, signature.AsSpan(0, 64), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.False(verifier.VerifyData("hellp"u8, signature.AsSpan(0, 64), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Throws<ArgumentException>(() => key.Sign(data, new byte[63]));
    }

    [Fact]
    public void Refuses_p384()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var e = Assert.Throws<ArgumentException>(() => IdentityKey.FromPkcs8Pem(p384.ExportPkcs8PrivateKeyPem()));
        Assert.Contains("P-256", e.Message);
    }

    [Fact]
    public void Refuses_explicit_curve_parameters()
    {
        using var named = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var explicitKey = ECDsa.Create(named.ExportExplicitParameters(includePrivateParameters: true));
        var e = Assert.Throws<ArgumentException>(() => IdentityKey.FromPkcs8Pem(explicitKey.ExportPkcs8PrivateKeyPem()));
        Assert.Contains("explicit curve parameters", e.Message);
    }

    [Fact]
    public void Refuses_rsa_garbage_and_public_only_pem()
    {
        using var rsa = RSA.Create(2048);
        Assert.Throws<ArgumentException>(() => IdentityKey.FromPkcs8Pem(rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<ArgumentException>(() => IdentityKey.FromPkcs8Pem("not a pem"));
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var e = Assert.Throws<ArgumentException>(() => IdentityKey.FromPkcs8Pem(ec.ExportSubjectPublicKeyInfoPem()));
        Assert.Contains("no private key", e.Message);
    }

    [Fact]
    public void Disposed_key_refuses_to_sign()
    {
        var key = IdentityKey.Generate();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign([1], new byte[64]));
    }
}
