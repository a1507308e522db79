using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// One KRPC message (BEP 5 "KRPC Protocol"): the envelope ("t", "y", and the optional "v", BEP 42
/// "ip" and BEP 43 "ro") and exactly one body: <see cref="Query"/>, <see cref="Response"/> or
/// <see cref="Error"/>, as <see cref="Kind"/> says. Byte fields are slices of the datagram it was
/// read from, so the datagram buffer must outlive the message (or be copied first).
/// </summary>
public readonly struct KrpcMessage
{
    private readonly object? _body;

    private KrpcMessage(KrpcMessageKind kind, ReadOnlyMemory<byte> transactionId, object body,
        ReadOnlyMemory<byte>? version, PeerEndpoint? requesterAddress, bool isReadOnly)
    {
        if (transactionId.Length is < KrpcLimits.MinTransactionIdLength or > KrpcLimits.MaxTransactionIdLength)
        {
            throw new ArgumentException(
                $"a transaction ID is {KrpcLimits.MinTransactionIdLength}..{KrpcLimits.MaxTransactionIdLength} bytes, got {transactionId.Length}",
                nameof(transactionId));
        }

        Kind = kind;
        TransactionId = transactionId;
        _body = body;
        Version = version;
        RequesterAddress = requesterAddress;
        IsReadOnly = isReadOnly;
    }

    public KrpcMessageKind Kind { get; }

    /// <summary>"t": chosen by the querying node, echoed by the response or error.</summary>
    public ReadOnlyMemory<byte> TransactionId { get; }

    /// <summary>"v": the sender's client and version (we send "PT" + 2 bytes); null when absent.</summary>
    public ReadOnlyMemory<byte>? Version { get; }

    /// <summary>
    /// BEP 42 "ip": the address the responder saw our query come from, i.e. our public address
    /// behind NAT. Null when absent.
    /// </summary>
    public PeerEndpoint? RequesterAddress { get; }

    /// <summary>BEP 43 "ro" = 1: the sender is read-only and must not enter routing tables.</summary>
    public bool IsReadOnly { get; }

    public KrpcQuery? Query => _body as KrpcQuery;

    public KrpcResponse? Response => _body as KrpcResponse;

    public KrpcError? Error => _body as KrpcError;

    public static KrpcMessage ForQuery(ReadOnlyMemory<byte> transactionId, KrpcQuery query,
        ReadOnlyMemory<byte>? version = null, bool isReadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(KrpcMessageKind.Query, transactionId, query, version, null, isReadOnly);
    }

    public static KrpcMessage ForResponse(ReadOnlyMemory<byte> transactionId, KrpcResponse response,
        ReadOnlyMemory<byte>? version = null, PeerEndpoint? requesterAddress = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new(KrpcMessageKind.Response, transactionId, response, version, requesterAddress, false);
    }

    public static KrpcMessage ForError(ReadOnlyMemory<byte> transactionId, KrpcError error,
        ReadOnlyMemory<byte>? version = null, PeerEndpoint? requesterAddress = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(KrpcMessageKind.Error, transactionId, error, version, requesterAddress, false);
    }

    /// <summary>Used by the reader, which may see "ip" and "ro" on any kind of message.</summary>
    internal static KrpcMessage FromParts(KrpcMessageKind kind, ReadOnlyMemory<byte> transactionId, object body,
        ReadOnlyMemory<byte>? version, PeerEndpoint? requesterAddress, bool isReadOnly) =>
        new(kind, transactionId, body, version, requesterAddress, isReadOnly);
}
