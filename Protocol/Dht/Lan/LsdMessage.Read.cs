using System.Text;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>Reading: strict, bounded, never throws on any input (STYLE.md 2).</summary>
public readonly partial struct LsdMessage
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    /// <summary>Reads one announce datagram; false for anything malformed (see <see cref="LsdParseError"/>).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out LsdMessage message) => TryRead(source, out message, out _);

    /// <summary>As <see cref="TryRead(ReadOnlySpan{byte}, out LsdMessage)"/>, also saying why it refused.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out LsdMessage message, out LsdParseError error)
    {
        error = Parse(source, out message);
        return error == LsdParseError.None;
    }

    private static LsdParseError Parse(ReadOnlySpan<byte> source, out LsdMessage message)
    {
        message = default;
        if (source.IsEmpty || source.Length > LsdSpec.MaxDatagram)
        {
            return LsdParseError.BadSize;
        }

        var rest = source;
        if (!TryTakeLine(ref rest, out var line, out var lineError))
        {
            return lineError;
        }

        if (!line.SequenceEqual(LsdSpec.RequestLine))
        {
            return LsdParseError.BadRequestLine;
        }

        string? host = null;
        int port = 0;
        string? cookie = null;
        NodeId? id = null;
        Span<NodeId> infohashes = stackalloc NodeId[LsdPicoTalk.MaxInfohashes];
        int infohashCount = 0;
        int headerCount = 0;
        while (true)
        {
            if (!TryTakeLine(ref rest, out line, out lineError))
            {
                return lineError;
            }

            if (line.IsEmpty)
            {
                break;
            }

            if (++headerCount > LsdPicoTalk.MaxHeaders)
            {
                return LsdParseError.TooManyHeaders;
            }

            var headerError = SplitHeader(line, out var name, out var value);
            if (headerError != LsdParseError.None)
            {
                return headerError;
            }

            if (Ascii.EqualsIgnoreCase(name, LsdSpec.HostHeader))
            {
                if (host is not null)
                {
                    return LsdParseError.DuplicateHeader;
                }

                host = Encoding.ASCII.GetString(value);
                if (!IsValidHost(host))
                {
                    return LsdParseError.BadHost;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, LsdSpec.PortHeader))
            {
                if (port != 0)
                {
                    return LsdParseError.DuplicateHeader;
                }

                if (!TryParsePort(value, out port))
                {
                    return LsdParseError.BadPort;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, LsdSpec.InfohashHeader))
            {
                if (infohashCount == LsdPicoTalk.MaxInfohashes)
                {
                    return LsdParseError.TooManyInfohashes;
                }

                if (!TryParseHexId(value, out infohashes[infohashCount]))
                {
                    return LsdParseError.BadInfohash;
                }

                infohashCount++;
            }
            else if (Ascii.EqualsIgnoreCase(name, LsdSpec.CookieHeader))
            {
                if (cookie is not null)
                {
                    return LsdParseError.DuplicateHeader;
                }

                cookie = Encoding.ASCII.GetString(value);
                if (!IsValidCookie(cookie))
                {
                    return LsdParseError.BadCookie;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, LsdPicoTalk.IdHeader))
            {
                if (id is not null)
                {
                    return LsdParseError.DuplicateHeader;
                }

                if (!TryParseHexId(value, out var parsed))
                {
                    return LsdParseError.BadPicoTalkId;
                }

                id = parsed;
            }

            // Any other header: BEP 14 "Protocol" says to ignore what we do not understand.
        }

        // BEP 14's example ends the header block and then sends one more CRLF; take any number of
        // empty lines, nothing else (an LSD announce has no body).
        while (!rest.IsEmpty)
        {
            if (!rest.StartsWith(LsdSpec.LineEnd))
            {
                return LsdParseError.TrailingData;
            }

            rest = rest[LsdSpec.LineEnd.Length..];
        }

        if (host is null)
        {
            return LsdParseError.MissingHost;
        }

        if (port == 0)
        {
            return LsdParseError.MissingPort;
        }

        if (infohashCount == 0)
        {
            return LsdParseError.MissingInfohash;
        }

        message = new LsdMessage(host, (ushort)port, infohashes[..infohashCount].ToArray(), cookie, id);
        return LsdParseError.None;
    }

    /// <summary>Takes one CRLF-terminated line (RFC 7230 §3: CRLF only; a bare CR or LF is refused).</summary>
    private static bool TryTakeLine(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> line, out LsdParseError error)
    {
        line = default;
        int lf = rest.IndexOf(Lf);
        if (lf < 1 || rest[lf - 1] != Cr || rest[..(lf - 1)].Contains(Cr))
        {
            error = LsdParseError.BadLineEnding;
            return false;
        }

        line = rest[..(lf - 1)];
        rest = rest[(lf + 1)..];
        error = LsdParseError.None;
        return true;
    }

    /// <summary>"name: value" with a token name and optional whitespace around the value (RFC 7230 §3.2).</summary>
    private static LsdParseError SplitHeader(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        int colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
        if (colon <= 0)
        {
            return LsdParseError.BadHeaderLine;
        }

        foreach (byte b in name)
        {
            // A folded line starts with whitespace and whitespace before the colon is forbidden:
            // neither is a token character, so both end here (RFC 7230 §3.2.4).
            if (!IsTokenChar(b))
            {
                return LsdParseError.BadHeaderLine;
            }
        }

        value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b > 0x7E)
            {
                return LsdParseError.BadHeaderValue;
            }
        }

        return LsdParseError.None;
    }

    /// <summary>RFC 7230 §3.2.6 tchar.</summary>
    private static bool IsTokenChar(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&'
            or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`'
            or (byte)'|' or (byte)'~';

    /// <summary>BEP 14 "port": base-10 ASCII; we take 1..5 digits naming 1..65535.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> value, out int port)
    {
        port = 0;
        if (value.IsEmpty || value.Length > LsdPicoTalk.MaxPortDigits)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            port = (port * 10) + (b - '0');
        }

        if (port is < 1 or > ushort.MaxValue)
        {
            port = 0;
            return false;
        }

        return true;
    }

    /// <summary>BEP 14 "ihash": exactly 40 hex digits, either case.</summary>
    private static bool TryParseHexId(ReadOnlySpan<byte> value, out NodeId id)
    {
        id = default;
        if (value.Length != LsdSpec.InfohashHexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[NodeId.Size];
        for (int i = 0; i < bytes.Length; i++)
        {
            int high = HexValue(value[2 * i]);
            int low = HexValue(value[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        id = NodeId.Read(bytes);
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
