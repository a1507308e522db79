using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// Reads and writes KRPC messages (BEP 5 "KRPC Protocol") as canonical bencode.
/// </summary>
/// <remarks>
/// A message is one bencoded dictionary; keys in ascending raw-byte order (BEP 3), so a message
/// always has the key order below:
/// <code>
/// d
///   1:a  d ...arguments... e      query:    "a" (BEP 5 "Queries")
///   1:e  l i&lt;code&gt;e &lt;msg&gt; e          error:    [code, message] (BEP 5 "Errors")
///   2:ip &lt;6 or 18 bytes&gt;           optional: requester's compact address (BEP 42 "Bootstrapping")
///   1:q  &lt;method name&gt;              query:    ping, find_node, get_peers, announce_peer
///   1:r  d ...return values... e  response: (BEP 5 "Responses")
///   2:ro i1e                      optional: read-only sender (BEP 43 "Read-Only State")
///   1:t  &lt;1..16 bytes&gt;             transaction ID, echoed in the reply
///   1:v  &lt;4 bytes&gt;                 optional: client "PT" + 2-byte version
///   1:y  1:q | 1:r | 1:e          kind
/// e
///
/// query "a":    2:id 20:.. [12:implied_porti1e] [9:info_hash 20:..] [4:port i..e]
///               [6:target 20:..] [5:token ..] [4:want l 2:n4 2:n6 e]   (BEP 5 "DHT Queries", BEP 32 "want")
/// pt_punch "a": [4:addr 6|18:..] 2:id 20:.. 9:info_hash 20:..       (ours: KrpcCodec.Punch.cs)
/// response "r": 2:id 20:.. [3:nat i..e] [5:nodes 26*n] [6:nodes6 38*n] [5:token ..] [6:values l 6:.. | 18:.. e]
/// </code>
/// Reading is strict about what we use (BEP 5 asks for a 203 error on "a malformed packet,
/// invalid arguments") and ignores keys it does not know (forward compatibility; BEP 32 "want"
/// says unknown flags "must be silently ignored"). It never throws: a bad datagram yields a
/// <see cref="KrpcParseError"/>. The common messages (the four BEP 5 queries and their answers
/// without "values") take a fast path that allocates only the message object; others allocate one
/// array per bencode list or dictionary. No byte of the datagram is copied.
/// </remarks>
public static partial class KrpcCodec
{
    /// <summary>Largest datagram read or written (our choice, see <see cref="KrpcLimits.MaxMessageSize"/>).</summary>
    public const int MaxMessageSize = KrpcLimits.MaxMessageSize;

    private static readonly BencodeLimits Limits = new(
        BencodeLimits.DefaultMaxDepth, BencodeLimits.DefaultMaxElements, MaxMessageSize);

    private static readonly string[] BencodeMessages = BuildBencodeMessages();

    /// <summary>
    /// Parses one datagram. On failure <paramref name="error"/> says why and, if it could be read,
    /// carries the transaction ID so that a malformed query can be answered with a 203 error.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> datagram, out KrpcMessage message, out KrpcParseError error)
    {
        // The common messages are read without allocating a bencode tree (KrpcCodec.Fast.cs);
        // whatever that reader leaves, valid or not, the general reader below decides.
        if (TryReadFast(datagram, out message))
        {
            error = default;
            return true;
        }

        return TryReadGeneral(datagram, out message, out error);
    }

    /// <summary>The general reader: every message, and the reason for every refusal (the fast path's reference).</summary>
    internal static bool TryReadGeneral(ReadOnlyMemory<byte> datagram, out KrpcMessage message, out KrpcParseError error)
    {
        message = default;
        if (!BencodeReader.TryRead(datagram, Limits, out var root, out var bencodeError))
        {
            error = new KrpcParseError(BencodeMessages[(int)bencodeError.Reason], bencodeError, null, null);
            return false;
        }

        if (root.Kind != BencodeKind.Dictionary)
        {
            return Fail("a KRPC message must be a dictionary", null, null, out error);
        }

        if (!root.TryGetBytes(KrpcKeys.TransactionId, out var transactionId)
            || transactionId.Length is < KrpcLimits.MinTransactionIdLength or > KrpcLimits.MaxTransactionIdLength)
        {
            return Fail("t must be a 1..16-byte string", null, null, out error);
        }

        if (!root.TryGetBytes(KrpcKeys.Type, out var type)
            || type.Length != 1
            || type.Span[0] is not ((byte)KrpcMessageKind.Query or (byte)KrpcMessageKind.Response or (byte)KrpcMessageKind.Error))
        {
            return Fail("y must be \"q\", \"r\" or \"e\"", transactionId, null, out error);
        }

        var kind = (KrpcMessageKind)type.Span[0];
        string? problem = ReadEnvelope(root, out var version, out var requesterAddress, out bool isReadOnly);
        object? body = null;
        problem ??= kind switch
        {
            KrpcMessageKind.Query => ReadQuery(root, out body),
            KrpcMessageKind.Response => ReadResponse(root, out body),
            _ => ReadError(root, out body),
        };

        if (problem is not null)
        {
            return Fail(problem, transactionId, kind, out error);
        }

        message = KrpcMessage.FromParts(kind, transactionId, body!, version, requesterAddress, isReadOnly);
        error = default;
        return true;
    }

    private static string? ReadEnvelope(in BencodeValue root, out ReadOnlyMemory<byte>? version,
        out PeerEndpoint? requesterAddress, out bool isReadOnly)
    {
        version = null;
        requesterAddress = null;
        isReadOnly = false;

        var v = root.Get(KrpcKeys.Version);
        if (!v.IsNone)
        {
            if (v.Kind != BencodeKind.ByteString)
            {
                return "v must be a string";
            }

            version = v.Bytes;
        }

        var ip = root.Get(KrpcKeys.RequesterAddress);
        if (!ip.IsNone)
        {
            // An IPv4 address travels in the 6-byte form; ::ffff:a.b.c.d in 18 bytes is not a real
            // IPv6 address (BEP 32 keeps the families apart) and would not survive a round trip.
            if (ip.Kind != BencodeKind.ByteString
                || CompactPeer.IsIPv4MappedIPv6Form(ip.Bytes.Span)
                || !CompactPeer.TryRead(ip.Bytes.Span, out var address))
            {
                return "ip must be a 6- or 18-byte compact address";
            }

            requesterAddress = address;
        }

        var ro = root.Get(KrpcKeys.ReadOnly);
        if (!ro.IsNone)
        {
            if (ro.Kind != BencodeKind.Integer || ro.Integer is not (0 or 1))
            {
                return "ro must be 0 or 1";
            }

            isReadOnly = ro.Integer == 1;
        }

        return null;
    }

    private static bool Fail(string problem, ReadOnlyMemory<byte>? transactionId, KrpcMessageKind? kind, out KrpcParseError error)
    {
        error = new KrpcParseError(problem, default, transactionId, kind);
        return false;
    }

    private static string[] BuildBencodeMessages()
    {
        var reasons = Enum.GetValues<BencodeErrorReason>();
        var messages = new string[reasons.Length];
        foreach (var reason in reasons)
        {
            messages[(int)reason] = $"malformed bencode: {reason}";
        }

        return messages;
    }
}
