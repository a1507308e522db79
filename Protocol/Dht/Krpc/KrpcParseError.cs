using PicoTalk.Protocol.Dht.Bencode;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// Why <see cref="KrpcCodec.TryRead"/> refused a datagram, with what it could read before that:
/// BEP 5 "Errors" answers a malformed query with a 203 error, which needs the transaction ID.
/// </summary>
public readonly struct KrpcParseError
{
    internal KrpcParseError(string message, BencodeReadError bencode, ReadOnlyMemory<byte>? transactionId, KrpcMessageKind? kind)
    {
        Message = message;
        Bencode = bencode;
        TransactionId = transactionId;
        Kind = kind;
    }

    /// <summary>Always <see cref="KrpcErrorCode.Protocol"/> (203): a malformed packet or invalid arguments.</summary>
    public KrpcErrorCode Code => KrpcErrorCode.Protocol;

    /// <summary>What was wrong, e.g. "a.id must be a 20-byte string"; short ASCII, fit for the 203 reply.</summary>
    public string Message { get; }

    /// <summary>The bencode failure, when the datagram was not canonical bencode; Reason None otherwise.</summary>
    public BencodeReadError Bencode { get; }

    /// <summary>"t", when it could be read (a 1..16-byte string in a well-formed dictionary).</summary>
    public ReadOnlyMemory<byte>? TransactionId { get; }

    /// <summary>"y", when it could be read.</summary>
    public KrpcMessageKind? Kind { get; }

    /// <summary>
    /// True when a 203 error should be sent back: the datagram was a query and its transaction ID is
    /// known. Malformed responses and errors are never answered (that could start a loop).
    /// </summary>
    public bool ShouldReply => TransactionId.HasValue && Kind == KrpcMessageKind.Query;

    /// <summary>The 203 error reply (allocates its message bytes). Only when <see cref="ShouldReply"/>.</summary>
    public KrpcMessage ToErrorReply(ReadOnlyMemory<byte>? version = null)
    {
        if (!ShouldReply)
        {
            throw new InvalidOperationException("only a malformed query with a readable transaction ID gets an error reply");
        }

        return KrpcMessage.ForError(TransactionId!.Value, KrpcError.Create(Code, Message), version);
    }

    public override string ToString() => Bencode.Reason == BencodeErrorReason.None ? Message : $"{Message} ({Bencode})";
}
