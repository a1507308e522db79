namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>Why an LSD datagram was refused (each is counted and the datagram dropped, STYLE.md 2).</summary>
public enum LsdParseError
{
    None = 0,

    /// <summary>Empty, or longer than BEP 14's 1400 bytes.</summary>
    BadSize,

    /// <summary>The first line is not exactly "BT-SEARCH * HTTP/1.1".</summary>
    BadRequestLine,

    /// <summary>A bare CR or LF, or the header block never ends with an empty line (RFC 7230 §3).</summary>
    BadLineEnding,

    /// <summary>An empty name, a non-token character, whitespace before the colon, or a folded line
    /// (RFC 7230 §3.2.4 says to reject all three).</summary>
    BadHeaderLine,

    /// <summary>A value holding a control character or a byte above 0x7E.</summary>
    BadHeaderValue,

    /// <summary>More than <see cref="LsdPicoTalk.MaxHeaders"/> header lines.</summary>
    TooManyHeaders,

    /// <summary>Host, Port, cookie or X-PicoTalk-Id given twice.</summary>
    DuplicateHeader,

    MissingHost,
    MissingPort,
    MissingInfohash,
    BadHost,

    /// <summary>Not 1..5 decimal digits in 1..65535.</summary>
    BadPort,

    /// <summary>Not exactly 40 hex digits.</summary>
    BadInfohash,
    TooManyInfohashes,
    BadCookie,
    BadPicoTalkId,

    /// <summary>Bytes after the header block other than the empty lines BEP 14's example ends with.</summary>
    TrailingData,
}
