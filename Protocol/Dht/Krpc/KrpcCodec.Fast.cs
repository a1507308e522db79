using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using Item = PicoTalk.Protocol.Dht.Bencode.BencodeCursor.Item;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// The receive path's fast reader: the four BEP 5 queries and the responses to them, read from
/// offsets into the datagram after an allocation-free <see cref="BencodeReader.Validate"/>, with
/// no <see cref="BencodeValue"/> tree. It accepts a message only when every key it meets is one it
/// reads here and every check of the general reader passes, and then yields exactly what the
/// general reader would (a test holds the two to that). Anything else (errors, "values", other
/// methods, keys of extensions, every malformed message) is left to the general reader, which
/// also words the 203 problem.
/// </summary>
public static partial class KrpcCodec
{
    internal static bool TryReadFast(ReadOnlyMemory<byte> datagram, out KrpcMessage message)
    {
        message = default;
        var span = datagram.Span;
        if (span.Length == 0 || span[0] != (byte)'d' || !BencodeReader.Validate(span, Limits, out _))
        {
            return false;
        }

        Item t = default, y = default, v = default, ip = default, ro = default, q = default, a = default, r = default;
        var children = new BencodeCursor.Children(span, BencodeCursor.At(span, 0));
        while (children.Next(out var key) && children.Next(out var value))
        {
            var name = span[BencodeCursor.StringContent(span, key)];
            if (name.SequenceEqual(KrpcKeys.TransactionId)) t = value;
            else if (name.SequenceEqual(KrpcKeys.Type)) y = value;
            else if (name.SequenceEqual(KrpcKeys.Version)) v = value;
            else if (name.SequenceEqual(KrpcKeys.RequesterAddress)) ip = value;
            else if (name.SequenceEqual(KrpcKeys.ReadOnly)) ro = value;
            else if (name.SequenceEqual(KrpcKeys.QueryMethod)) q = value;
            else if (name.SequenceEqual(KrpcKeys.Arguments)) a = value;
            else if (name.SequenceEqual(KrpcKeys.Response)) r = value;
            else if (!name.SequenceEqual(KrpcKeys.Error)) return false;
        }

        if (!TryString(datagram, t, out var transactionId)
            || transactionId.Length is < KrpcLimits.MinTransactionIdLength or > KrpcLimits.MaxTransactionIdLength
            || !TryString(datagram, y, out var type) || type.Length != 1
            || !TryFastEnvelope(datagram, v, ip, ro, out var version, out var requesterAddress, out bool isReadOnly))
        {
            return false;
        }

        var kind = (KrpcMessageKind)type.Span[0];
        object? body = null;
        bool read = kind switch
        {
            KrpcMessageKind.Query => TryFastQuery(datagram, q, a, out body),
            KrpcMessageKind.Response => TryFastResponse(datagram, r, out body),
            _ => false,
        };
        if (!read)
        {
            return false;
        }

        message = KrpcMessage.FromParts(kind, transactionId, body!, version, requesterAddress, isReadOnly);
        return true;
    }

    private static bool TryFastEnvelope(ReadOnlyMemory<byte> datagram, in Item v, in Item ip, in Item ro,
        out ReadOnlyMemory<byte>? version, out PeerEndpoint? requesterAddress, out bool isReadOnly)
    {
        version = null;
        requesterAddress = null;
        isReadOnly = false;
        if (v.Kind != BencodeKind.None)
        {
            if (!TryString(datagram, v, out var bytes))
            {
                return false;
            }

            version = bytes;
        }

        if (ip.Kind != BencodeKind.None)
        {
            if (!TryString(datagram, ip, out var bytes) || CompactPeer.IsIPv4MappedIPv6Form(bytes.Span)
                || !CompactPeer.TryRead(bytes.Span, out var address))
            {
                return false;
            }

            requesterAddress = address;
        }

        if (ro.Kind != BencodeKind.None)
        {
            long flag = ro.Kind == BencodeKind.Integer ? BencodeCursor.IntegerValue(datagram.Span, ro) : -1;
            if (flag is not (0 or 1))
            {
                return false;
            }

            isReadOnly = flag == 1;
        }

        return true;
    }

    private static bool TryFastQuery(ReadOnlyMemory<byte> datagram, in Item q, in Item a, out object body)
    {
        body = null!;
        var span = datagram.Span;
        if (!TryString(datagram, q, out var methodName) || a.Kind != BencodeKind.Dictionary)
        {
            return false;
        }

        var method = KrpcQuery.MethodOf(methodName.Span);
        Item id = default, target = default, infoHash = default, want = default, port = default, implied = default, token = default;
        var children = new BencodeCursor.Children(span, a);
        while (children.Next(out var key) && children.Next(out var value))
        {
            var name = span[BencodeCursor.StringContent(span, key)];
            if (name.SequenceEqual(KrpcKeys.Id)) id = value;
            else if (name.SequenceEqual(KrpcKeys.Target)) target = value;
            else if (name.SequenceEqual(KrpcKeys.InfoHash)) infoHash = value;
            else if (name.SequenceEqual(KrpcKeys.Want)) want = value;
            else if (name.SequenceEqual(KrpcKeys.Port)) port = value;
            else if (name.SequenceEqual(KrpcKeys.ImpliedPort)) implied = value;
            else if (name.SequenceEqual(KrpcKeys.Token)) token = value;
            else return false;
        }

        if (!TryFastId(span, id, out var querier))
        {
            return false;
        }

        switch (method)
        {
            case KrpcMethod.Ping:
                body = KrpcQuery.Ping(querier);
                return true;
            case KrpcMethod.FindNode when TryFastId(span, target, out var t) && TryFastWant(span, want, out var w):
                body = KrpcQuery.FindNode(querier, t, w);
                return true;
            case KrpcMethod.GetPeers when TryFastId(span, infoHash, out var h) && TryFastWant(span, want, out var w):
                body = KrpcQuery.GetPeers(querier, h, w);
                return true;
            case KrpcMethod.AnnouncePeer when TryFastId(span, infoHash, out var h):
            {
                // As ReadAnnouncePeer: implied_port an integer if present, port 0..65535 (1.. unless implied), token a string.
                if ((implied.Kind != BencodeKind.None && implied.Kind != BencodeKind.Integer) || port.Kind != BencodeKind.Integer
                    || !TryString(datagram, token, out var tokenBytes))
                {
                    return false;
                }

                bool impliedPort = implied.Kind == BencodeKind.Integer && BencodeCursor.IntegerValue(span, implied) != 0;
                long portValue = BencodeCursor.IntegerValue(span, port);
                if (portValue is < 0 or > MaxPort || (!impliedPort && portValue < MinPort))
                {
                    return false;
                }

                body = KrpcQuery.AnnouncePeer(querier, h, (ushort)portValue, tokenBytes, impliedPort);
                return true;
            }

            default:
                return false;
        }
    }

    private static bool TryFastResponse(ReadOnlyMemory<byte> datagram, in Item r, out object body)
    {
        body = null!;
        var span = datagram.Span;
        if (r.Kind != BencodeKind.Dictionary)
        {
            return false;
        }

        Item id = default, nodes = default, nodes6 = default, token = default;
        var children = new BencodeCursor.Children(span, r);
        while (children.Next(out var key) && children.Next(out var value))
        {
            var name = span[BencodeCursor.StringContent(span, key)];
            if (name.SequenceEqual(KrpcKeys.Id)) id = value;
            else if (name.SequenceEqual(KrpcKeys.Nodes)) nodes = value;
            else if (name.SequenceEqual(KrpcKeys.Nodes6)) nodes6 = value;
            else if (name.SequenceEqual(KrpcKeys.Token)) token = value;
            else return false;
        }

        if (!TryFastId(span, id, out var responder)
            || !TryFastNodes(datagram, nodes, isIPv6: false, out var nodeList)
            || !TryFastNodes(datagram, nodes6, isIPv6: true, out var nodeList6))
        {
            return false;
        }

        ReadOnlyMemory<byte>? tokenBytes = null;
        if (token.Kind != BencodeKind.None)
        {
            if (!TryString(datagram, token, out var bytes))
            {
                return false;
            }

            tokenBytes = bytes;
        }

        body = new KrpcResponse { Id = responder, Nodes = nodeList, Nodes6 = nodeList6, Token = tokenBytes };
        return true;
    }

    private static bool TryFastNodes(ReadOnlyMemory<byte> datagram, in Item item, bool isIPv6, out CompactNodeList list)
    {
        list = default;
        return item.Kind == BencodeKind.None
            || (TryString(datagram, item, out var bytes) && CompactNodeList.TryCreate(bytes, isIPv6, out list));
    }

    /// <summary>BEP 32 "want", as ReadWant: absent, or a list of strings of which "n4" and "n6" count.</summary>
    private static bool TryFastWant(ReadOnlySpan<byte> span, in Item item, out KrpcWant want)
    {
        want = KrpcWant.None;
        if (item.Kind == BencodeKind.None)
        {
            return true;
        }

        if (item.Kind != BencodeKind.List)
        {
            return false;
        }

        var children = new BencodeCursor.Children(span, item);
        while (children.Next(out var entry))
        {
            if (entry.Kind != BencodeKind.ByteString)
            {
                return false;
            }

            var flag = span[BencodeCursor.StringContent(span, entry)];
            if (flag.SequenceEqual(KrpcKeys.WantIPv4))
            {
                want |= KrpcWant.IPv4;
            }
            else if (flag.SequenceEqual(KrpcKeys.WantIPv6))
            {
                want |= KrpcWant.IPv6;
            }
        }

        return true;
    }

    private static bool TryFastId(ReadOnlySpan<byte> span, in Item item, out NodeId id)
    {
        id = default;
        if (item.Kind != BencodeKind.ByteString)
        {
            return false;
        }

        var bytes = span[BencodeCursor.StringContent(span, item)];
        if (bytes.Length != NodeId.Size)
        {
            return false;
        }

        id = NodeId.Read(bytes);
        return true;
    }

    private static bool TryString(ReadOnlyMemory<byte> datagram, in Item item, out ReadOnlyMemory<byte> bytes)
    {
        bytes = default;
        if (item.Kind != BencodeKind.ByteString)
        {
            return false;
        }

        bytes = datagram[BencodeCursor.StringContent(datagram.Span, item)];
        return true;
    }
}
