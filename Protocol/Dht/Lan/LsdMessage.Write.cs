using System.Text;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>Writing: the layout drawn in <see cref="LsdMessage"/>, header names spelled as in BEP 14.</summary>
public readonly partial struct LsdMessage
{
    private static ReadOnlySpan<byte> HeaderSeparator => ": "u8;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>
    /// Writes <paramref name="message"/>; returns its length. Throws <see cref="ArgumentException"/> for
    /// a default message or a destination shorter than <see cref="GetEncodedLength"/>.
    /// </summary>
    public static int Write(in LsdMessage message, Span<byte> destination)
    {
        int length = GetEncodedLength(message);
        if (destination.Length < length)
        {
            throw new ArgumentException($"this LSD announce needs {length} bytes, got {destination.Length}", nameof(destination));
        }

        int at = Append(destination, 0, LsdSpec.RequestLine);
        at = Append(destination, at, LsdSpec.LineEnd);
        at = AppendHeaderName(destination, at, LsdSpec.HostHeader);
        at += Encoding.ASCII.GetBytes(message.Host, destination[at..]);
        at = Append(destination, at, LsdSpec.LineEnd);
        at = AppendHeaderName(destination, at, LsdSpec.PortHeader);
        message.Port.TryFormat(destination[at..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
        at += digits;
        at = Append(destination, at, LsdSpec.LineEnd);
        foreach (var infohash in message.Infohashes)
        {
            at = AppendHeaderName(destination, at, LsdSpec.InfohashHeader);
            at = AppendHexId(destination, at, infohash);
            at = Append(destination, at, LsdSpec.LineEnd);
        }

        if (message.Cookie is { } cookie)
        {
            at = AppendHeaderName(destination, at, LsdSpec.CookieHeader);
            at += Encoding.ASCII.GetBytes(cookie, destination[at..]);
            at = Append(destination, at, LsdSpec.LineEnd);
        }

        if (message.PicoTalkId is { } id)
        {
            at = AppendHeaderName(destination, at, LsdPicoTalk.IdHeader);
            at = AppendHexId(destination, at, id);
            at = Append(destination, at, LsdSpec.LineEnd);
        }

        // End of headers, then the extra empty line of BEP 14's example.
        at = Append(destination, at, LsdSpec.LineEnd);
        return Append(destination, at, LsdSpec.LineEnd);
    }

    /// <summary>Writes if it fits; false (and nothing useful in the destination) otherwise.</summary>
    public static bool TryWrite(in LsdMessage message, Span<byte> destination, out int written)
    {
        written = 0;
        if (GetEncodedLength(message) > destination.Length)
        {
            return false;
        }

        written = Write(message, destination);
        return true;
    }

    /// <summary>Bytes <see cref="Write"/> produces; never more than <see cref="LsdSpec.MaxDatagram"/>,
    /// because the constructor bounds every field.</summary>
    public static int GetEncodedLength(in LsdMessage message)
    {
        if (message.Host is null)
        {
            throw new ArgumentException("a default LsdMessage cannot be written", nameof(message));
        }

        int line = LsdSpec.LineEnd.Length;
        int separator = HeaderSeparator.Length;
        int length = LsdSpec.RequestLine.Length + line;
        length += LsdSpec.HostHeader.Length + separator + message.Host.Length + line;
        length += LsdSpec.PortHeader.Length + separator + CountDigits(message.Port) + line;
        length += message.Infohashes.Length * (LsdSpec.InfohashHeader.Length + separator + LsdSpec.InfohashHexLength + line);
        if (message.Cookie is { } cookie)
        {
            length += LsdSpec.CookieHeader.Length + separator + cookie.Length + line;
        }

        if (message.PicoTalkId is not null)
        {
            length += LsdPicoTalk.IdHeader.Length + separator + LsdSpec.InfohashHexLength + line;
        }

        return length + (2 * line);
    }

    private static int CountDigits(ushort value) => value switch
    {
        < 10 => 1,
        < 100 => 2,
        < 1000 => 3,
        < 10000 => 4,
        _ => 5,
    };

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    private static int AppendHeaderName(Span<byte> destination, int at, ReadOnlySpan<byte> name) =>
        Append(destination, Append(destination, at, name), HeaderSeparator);

    private static int AppendHexId(Span<byte> destination, int at, Identity.NodeId id)
    {
        Span<byte> raw = stackalloc byte[Identity.NodeId.Size];
        id.WriteTo(raw);
        foreach (byte b in raw)
        {
            destination[at++] = HexDigits[b >> 4];
            destination[at++] = HexDigits[b & 0xF];
        }

        return at;
    }
}
