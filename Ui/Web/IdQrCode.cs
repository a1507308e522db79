using QRCoder;

namespace PicoTalk.Ui.Web;

/// <summary>
/// The text a peer scans to add this appliance as a contact, and its QR code as SVG. The text is
/// <c>picotalk:&lt;40 hex ID&gt;</c>, with <c>?name=&lt;percent-encoded name&gt;</c> when the name is
/// known; the contacts form takes it (or a bare ID) in its ID field.
/// </summary>
internal static class IdQrCode
{
    public const string Scheme = "picotalk:";

    public static string Text(string id, string? name) =>
        Scheme + id + (string.IsNullOrEmpty(name) ? "" : "?name=" + Uri.EscapeDataString(name));

    /// <summary>The ID (lower-case hex) and name in a scanned text or a bare ID, or false.</summary>
    public static bool TryParse(string? text, out string id, out string? name)
    {
        id = string.Empty;
        name = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string s = text.Trim();
        if (s.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            s = s[Scheme.Length..];
            int query = s.IndexOf('?');
            if (query >= 0)
            {
                foreach (string pair in s[(query + 1)..].Split('&'))
                {
                    if (pair.StartsWith("name=", StringComparison.Ordinal))
                    {
                        name = Uri.UnescapeDataString(pair[5..]);
                    }
                }

                s = s[..query];
            }
        }

        if (s.Length != 40 || !s.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        id = s.ToLowerInvariant();
        return true;
    }

    /// <summary>An &lt;svg&gt; element with id="id-qr" (the home page's #id-qr), error correction M (ISO/IEC 18004 §6.5.1).</summary>
    public static string Svg(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        string svg = new SvgQRCode(data).GetGraphic(4);
        int open = svg.IndexOf("<svg", StringComparison.Ordinal);
        return open < 0 ? svg : svg[open..].Insert(4, $" id=\"id-qr\" data-qr-text=\"{System.Net.WebUtility.HtmlEncode(text)}\"");
    }
}
