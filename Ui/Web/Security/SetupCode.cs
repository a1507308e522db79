using System.Security.Cryptography;
using System.Text;

namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// The first-boot set-up code: 8 random digits in &lt;state-dir&gt;/setup-code (0600), which only
/// someone with access to the device (its log or its files) can read. The set-up form needs it, so
/// a neighbour on the LAN cannot claim the page before its owner. Deleted once set up.
/// </summary>
internal static class SetupCode
{
    public const string FileName = "setup-code";
    public const int Digits = 8;

    /// <summary>The code in <paramref name="path"/>, or a new one written there.</summary>
    public static string LoadOrCreate(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: Digits } existing && existing.All(char.IsAsciiDigit))
        {
            return existing;
        }

        string code = RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        SecretFile.Write(path, Encoding.ASCII.GetBytes(code + "\n"));
        return code;
    }

    public static bool Matches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given.Trim()));
}
