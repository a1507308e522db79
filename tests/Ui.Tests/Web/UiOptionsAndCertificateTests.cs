using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PicoTalk.TestSupport;
using PicoTalk.Ui.Web;
using PicoTalk.Ui.Web.Security;

namespace PicoTalk.Ui.Tests.Web;

/// <summary><c>picotalk ui</c>'s command line, and the certificate <c>--https</c> makes on the device.</summary>
public sealed class UiOptionsAndCertificateTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void The_defaults_serve_port_8080_with_state_in_the_systemd_state_directory()
    {
        Assert.True(UiOptions.TryParse([], NoEnvironment, out var plain, out _));
        Assert.Equal([new Uri("http://0.0.0.0:8080")], plain!.Urls);
        Assert.Equal("/var/lib/picotalk-ui", plain.StateDirectory);
        Assert.Equal("/run/picotalkd/control.sock", plain.ControlPath);
        Assert.False(plain.Https);

        Assert.True(UiOptions.TryParse(["--https"], name => name == "STATE_DIRECTORY" ? "/var/lib/picotalk-ui-x:/other" : null, out var https, out _));
        Assert.Equal([new Uri("https://0.0.0.0:8443")], https!.Urls);
        Assert.Equal("/var/lib/picotalk-ui-x", https.StateDirectory);
    }

    [Fact]
    public void Options_set_the_urls_state_directory_and_control_socket()
    {
        Assert.True(UiOptions.TryParse(["--urls", "http://127.0.0.1:0;http://[::1]:9000", "--state-dir", "/tmp/s", "--control", "/tmp/c.sock"], NoEnvironment, out var options, out _));
        Assert.Equal([new Uri("http://127.0.0.1:0"), new Uri("http://[::1]:9000")], options!.Urls);
        Assert.Equal(("/tmp/s", "/tmp/c.sock"), (options.StateDirectory, options.ControlPath));
    }

    [Theory]
    [InlineData("--urls", "https://0.0.0.0:8443")] // https without --https: there is no certificate
    [InlineData("--urls", "ftp://0.0.0.0:21")]
    [InlineData("--urls", "http://0.0.0.0:8080/page")]
    [InlineData("--urls")]
    [InlineData("--bogus")]
    [InlineData("extra")]
    public void Bad_options_are_refused_with_a_reason(params string[] args)
    {
        Assert.False(UiOptions.TryParse(args, NoEnvironment, out _, out string error));
        Assert.StartsWith("ui", error);
    }

    [Theory]
    [InlineData(new[] { "ui", "--urls", "x" }, true, new[] { "--urls", "x" })]
    [InlineData(new[] { "--control", "/s", "ui" }, true, new[] { "--control", "/s" })]
    [InlineData(new[] { "status" }, false, new string[0])]
    [InlineData(new[] { "--control", "ui", "status" }, false, new string[0])] // "ui" is the socket path here
    public void The_ui_subcommand_is_recognised_wherever_the_control_option_puts_it(string[] args, bool isUi, string[] rest)
    {
        Assert.Equal(isUi, UiOptions.IsUiCommand(args, out var remaining));
        if (isUi)
        {
            Assert.Equal(rest, remaining);
        }
    }

    [Fact]
    public void The_certificate_is_self_signed_P256_made_once_and_kept_0600()
    {
        using var dir = new TempDirectory("ptui-cert");
        string path = dir.File(HttpsCertificate.FileName);
        var time = new FakeTimeProvider();
        using var made = HttpsCertificate.LoadOrCreate(path, time);
        Assert.True(made.HasPrivateKey);
        Assert.Equal(made.Subject, made.Issuer);
        using (var key = made.GetECDsaPublicKey()!)
        {
            Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var names = made.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());

        using var again = HttpsCertificate.LoadOrCreate(path, time);
        Assert.Equal(made.Thumbprint, again.Thumbprint);

        // Once it has expired, a new one replaces it.
        time.Advance(HttpsCertificate.Lifetime + TimeSpan.FromDays(1));
        using var renewed = HttpsCertificate.LoadOrCreate(path, time);
        Assert.NotEqual(made.Thumbprint, renewed.Thumbprint);
    }
}
