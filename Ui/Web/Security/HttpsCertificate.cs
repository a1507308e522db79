using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// The certificate of <c>picotalk ui --https</c>: self-signed ECDSA P-256, made on the device the
/// first time and kept in &lt;state-dir&gt;/https.pfx (0600), so a browser that was told to trust it
/// once keeps trusting it. Names: the host name, localhost and the loopback addresses (RFC 5280
/// §4.2.1.6 subjectAltName); a browser reaching the device by a LAN address warns once either way.
/// </summary>
internal static class HttpsCertificate
{
    public const string FileName = "https.pfx";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3650);

    public static X509Certificate2 LoadOrCreate(string path, TimeProvider time)
    {
        if (File.Exists(path))
        {
            try
            {
                var loaded = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
                if (loaded.HasPrivateKey && loaded.NotAfter > time.GetUtcNow().UtcDateTime)
                {
                    return loaded;
                }
            }
            catch (CryptographicException)
            {
                // Damaged: make a new one below.
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string host = Dns.GetHostName();
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // id-kp-serverAuth (RFC 5280 §4.2.1.12).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
        byte[] pfx = created.Export(X509ContentType.Pkcs12);
        SecretFile.Write(path, pfx);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }
}
