using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Identity;

/// <summary>Every SPKI shape the appliance must refuse, built with real keys where one exists.</summary>
public sealed class P256SpkiTests
{
    internal static byte[] ExplicitP256Spki()
    {
        using var named = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var explicitKey = ECDsa.Create(named.ExportExplicitParameters(false));
        return explicitKey.ExportSubjectPublicKeyInfo();
    }

    internal static byte[] P384Spki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return key.ExportSubjectPublicKeyInfo();
    }

    internal static byte[] RsaSpki()
    {
        using var key = RSA.Create(2048);
        return key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>RFC 8410 §4: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32-byte key) }.</summary>
    internal static byte[] Ed25519Spki() =>
        [.. Convert.FromHexString("302a300506032b6570032100"), .. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>The P-256 OID with a compressed point (SEC 1 §2.3.3, 0x02 prefix).</summary>
    internal static byte[] CompressedP256Spki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        byte[] compressed = [0x30, 0x39, .. spki[2..23], 0x03, 0x22, 0x00, (byte)(2 + (spki[^1] & 1)), .. spki[27..59]];
        return compressed;
    }

    internal static byte[] OffCurveSpki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        spki[^1] ^= 1;
        return spki;
    }

    [Fact]
    public void Accepts_the_named_curve_uncompressed_form()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        Assert.Equal(91, spki.Length);
        Assert.Equal("3059301306072a8648ce3d020106082a8648ce3d03010703420004", Convert.ToHexStringLower(spki[..27]));
        Assert.True(P256Spki.IsValid(spki));
        Assert.True(P256Spki.TryImportEcdsa(spki, out var ecdsa));
        ecdsa!.Dispose();
        Assert.True(P256Spki.TryImportEcdh(spki, out var ecdh));
        ecdh!.Dispose();
    }

    public static TheoryData<string> Refused => new()
    {
        "explicit", "p384", "rsa", "ed25519", "compressed", "trailing", "truncated", "empty",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_before_parsing(string shape)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] good = key.ExportSubjectPublicKeyInfo();
        byte[] der = shape switch
        {
            "explicit" => ExplicitP256Spki(),
            "p384" => P384Spki(),
            "rsa" => RsaSpki(),
            "ed25519" => Ed25519Spki(),
            "compressed" => CompressedP256Spki(),
            "trailing" => [.. good, 0x00],
            "truncated" => good[..90],
            _ => [],
        };

        Assert.False(P256Spki.IsValid(der));
        Assert.False(P256Spki.TryImportEcdsa(der, out var ecdsa));
        Assert.Null(ecdsa);
        Assert.False(P256Spki.TryImportEcdh(der, out var ecdh));
        Assert.Null(ecdh);
    }

    [Fact]
    public void Well_formed_point_off_the_curve_passes_the_form_check_but_not_the_import()
    {
        var spki = OffCurveSpki();
        Assert.True(P256Spki.IsValid(spki));
        Assert.False(P256Spki.TryImportEcdsa(spki, out _));
        Assert.False(P256Spki.TryImportEcdh(spki, out _));
    }

    [Fact]
    public void Any_single_byte_change_in_the_prefix_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] good = key.ExportSubjectPublicKeyInfo();
        for (int i = 0; i < P256Spki.PrefixSize; i++)
        {
            var bad = (byte[])good.Clone();
            bad[i] ^= 0x01;
            Assert.False(P256Spki.IsValid(bad), $"byte {i}");
        }
    }
}
