namespace PicoTalk.Protocol.Dht.Bencode;

/// <summary>
/// Why <see cref="BencodeReader"/> refused its input. BEP 3 ("bencoding") defines one canonical
/// encoding per value; every way of writing a value differently is its own reason here, so a test
/// and a drop counter can tell them apart.
/// </summary>
public enum BencodeErrorReason : byte
{
    None = 0,

    /// <summary>The input ended inside a value (including an empty input).</summary>
    Truncated,

    /// <summary>A byte that cannot start or continue a value here (e.g. 'x', or ':' missing after a length).</summary>
    UnexpectedByte,

    /// <summary>"ie" or "i-e": an integer with no digits.</summary>
    EmptyInteger,

    /// <summary>"i03e": BEP 3 forbids leading zeros ("i0e" is the only integer starting with 0).</summary>
    IntegerLeadingZero,

    /// <summary>"i-0e": BEP 3 says it is invalid.</summary>
    NegativeZero,

    /// <summary>An integer outside the signed 64-bit range.</summary>
    IntegerOverflow,

    /// <summary>"03:abc": a byte-string length with a leading zero (not canonical).</summary>
    StringLengthLeadingZero,

    /// <summary>A byte-string length that runs past the end of the input (checked before any slicing).</summary>
    StringLengthTooLarge,

    /// <summary>A dictionary key that is not a byte string.</summary>
    KeyNotByteString,

    /// <summary>Dictionary keys not in ascending raw-byte order (BEP 3: "keys must appear in sorted order").</summary>
    KeysOutOfOrder,

    /// <summary>The same dictionary key twice.</summary>
    DuplicateKey,

    /// <summary>Bytes left after the top-level value.</summary>
    TrailingBytes,

    /// <summary>Lists and dictionaries nested deeper than <see cref="BencodeLimits.MaxDepth"/>.</summary>
    DepthExceeded,

    /// <summary>More values in total than <see cref="BencodeLimits.MaxElements"/>.</summary>
    TooManyElements,

    /// <summary>An input longer than <see cref="BencodeLimits.MaxInputSize"/>.</summary>
    InputTooLarge,
}

/// <summary>Why and where (byte offset into the input) a read failed.</summary>
public readonly record struct BencodeReadError(BencodeErrorReason Reason, int Offset)
{
    public override string ToString() => $"{Reason} at byte {Offset}";
}

/// <summary>The only exception <see cref="BencodeReader.Read"/> throws for bad input.</summary>
public sealed class BencodeException : Exception
{
    public BencodeException(BencodeReadError error)
        : base($"invalid bencode: {error}")
    {
        Error = error;
    }

    public BencodeException()
        : base("invalid bencode")
    {
    }

    public BencodeException(string message)
        : base(message)
    {
    }

    public BencodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BencodeReadError Error { get; }

    public BencodeErrorReason Reason => Error.Reason;
}

/// <summary>
/// Bounds against hostile input (our choices, not BEP 3's: bencode itself has no limits).
/// One KRPC datagram needs far less than the defaults: the largest BEP 5 / BEP 32 reply, a
/// get_peers answer with nodes, nodes6, a token and values, is a few dozen values in 3 levels.
/// </summary>
public readonly record struct BencodeLimits(int MaxDepth, int MaxElements, int MaxInputSize)
{
    /// <summary>Nesting of lists and dictionaries; a KRPC message uses 3 (message, "r", "values").</summary>
    public const int DefaultMaxDepth = 16;

    /// <summary>Values in total, keys included. A 1500-byte datagram holds at most ~190 "6:xxxxxx" values.</summary>
    public const int DefaultMaxElements = 512;

    /// <summary>One UDP datagram on an Ethernet-sized MTU.</summary>
    public const int DefaultMaxInputSize = 1500;

    public static BencodeLimits Default { get; } = new(DefaultMaxDepth, DefaultMaxElements, DefaultMaxInputSize);
}
