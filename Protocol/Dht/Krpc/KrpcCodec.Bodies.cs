using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>Reading the three bodies: query "q"/"a", response "r", error "e" (BEP 5, BEP 32).</summary>
public static partial class KrpcCodec
{
    private const int MinPort = 1;
    private const int MaxPort = ushort.MaxValue;

    /// <returns>null, or the problem to report in a 203 error.</returns>
    private static string? ReadQuery(in BencodeValue root, out object? body)
    {
        body = null;
        if (!root.TryGetBytes(KrpcKeys.QueryMethod, out var methodName))
        {
            return "q must be a string";
        }

        var method = KrpcQuery.MethodOf(methodName.Span);
        var arguments = root.Get(KrpcKeys.Arguments);
        if (method == KrpcMethod.Unknown)
        {
            // Read no further than needed to answer 204 (BEP 5 "Errors"): the name, the
            // transaction ID, and the querier's ID if it gave a proper one.
            var id = arguments.TryGetBytes(KrpcKeys.Id, out var raw) && raw.Length == NodeId.Size ? NodeId.Read(raw.Span) : default;
            body = KrpcQuery.Unknown(methodName, arguments, id);
            return null;
        }

        if (arguments.Kind != BencodeKind.Dictionary)
        {
            return "a must be a dictionary";
        }

        if (!TryReadId(arguments, KrpcKeys.Id, out var querier))
        {
            return "a.id must be a 20-byte string";
        }

        switch (method)
        {
            case KrpcMethod.Ping:
                body = KrpcQuery.Ping(querier);
                return null;
            case KrpcMethod.FindNode:
            {
                if (!TryReadId(arguments, KrpcKeys.Target, out var target))
                {
                    return "a.target must be a 20-byte string";
                }

                string? problem = ReadWant(arguments, out var want);
                body = problem is null ? KrpcQuery.FindNode(querier, target, want) : null;
                return problem;
            }

            case KrpcMethod.GetPeers:
            {
                if (!TryReadId(arguments, KrpcKeys.InfoHash, out var infoHash))
                {
                    return "a.info_hash must be a 20-byte string";
                }

                string? problem = ReadWant(arguments, out var want);
                body = problem is null ? KrpcQuery.GetPeers(querier, infoHash, want) : null;
                return problem;
            }

            case KrpcMethod.Punch:
                return ReadPunch(arguments, querier, out body);
            default:
                return ReadAnnouncePeer(arguments, querier, out body);
        }
    }

    private static string? ReadAnnouncePeer(in BencodeValue arguments, NodeId querier, out object? body)
    {
        body = null;
        if (!TryReadId(arguments, KrpcKeys.InfoHash, out var infoHash))
        {
            return "a.info_hash must be a 20-byte string";
        }

        // BEP 5 "announce_peer": implied_port is 0 or 1; "if it is present and non-zero" the
        // UDP source port replaces "port", which is then not checked against 1..65535.
        var impliedValue = arguments.Get(KrpcKeys.ImpliedPort);
        if (!impliedValue.IsNone && impliedValue.Kind != BencodeKind.Integer)
        {
            return "a.implied_port must be an integer";
        }

        bool impliedPort = impliedValue.Integer != 0;
        var port = arguments.Get(KrpcKeys.Port);
        if (port.Kind != BencodeKind.Integer)
        {
            return "a.port must be an integer";
        }

        if (port.Integer is < 0 or > MaxPort || (!impliedPort && port.Integer < MinPort))
        {
            return "a.port must be 1..65535";
        }

        if (!arguments.TryGetBytes(KrpcKeys.Token, out var token))
        {
            return "a.token must be a string";
        }

        body = KrpcQuery.AnnouncePeer(querier, infoHash, (ushort)port.Integer, token, impliedPort);
        return null;
    }

    /// <summary>BEP 32 "want": a list of strings; "n4" and "n6" count, others are ignored.</summary>
    private static string? ReadWant(in BencodeValue arguments, out KrpcWant want)
    {
        want = KrpcWant.None;
        var list = arguments.Get(KrpcKeys.Want);
        if (list.IsNone)
        {
            return null;
        }

        if (list.Kind != BencodeKind.List)
        {
            return "a.want must be a list of strings";
        }

        for (int i = 0; i < list.Count; i++)
        {
            var item = list[i];
            if (item.Kind != BencodeKind.ByteString)
            {
                return "a.want must be a list of strings";
            }

            if (item.Bytes.Span.SequenceEqual(KrpcKeys.WantIPv4))
            {
                want |= KrpcWant.IPv4;
            }
            else if (item.Bytes.Span.SequenceEqual(KrpcKeys.WantIPv6))
            {
                want |= KrpcWant.IPv6;
            }
        }

        return null;
    }

    private static string? ReadResponse(in BencodeValue root, out object? body)
    {
        body = null;
        var values = root.Get(KrpcKeys.Response);
        if (values.Kind != BencodeKind.Dictionary)
        {
            return "r must be a dictionary";
        }

        if (!TryReadId(values, KrpcKeys.Id, out var responder))
        {
            return "r.id must be a 20-byte string";
        }

        string? natProblem = ReadNat(values, out var nat);
        if (natProblem is not null)
        {
            return natProblem;
        }

        CompactNodeList nodes = default;
        var nodesValue = values.Get(KrpcKeys.Nodes);
        if (!nodesValue.IsNone
            && (nodesValue.Kind != BencodeKind.ByteString || !CompactNodeList.TryCreate(nodesValue.Bytes, isIPv6: false, out nodes)))
        {
            return "r.nodes must be a string of 26-byte entries";
        }

        CompactNodeList nodes6 = default;
        var nodes6Value = values.Get(KrpcKeys.Nodes6);
        if (!nodes6Value.IsNone
            && (nodes6Value.Kind != BencodeKind.ByteString || !CompactNodeList.TryCreate(nodes6Value.Bytes, isIPv6: true, out nodes6)))
        {
            return "r.nodes6 must be a string of 38-byte entries";
        }

        ReadOnlyMemory<byte>? token = null;
        var tokenValue = values.Get(KrpcKeys.Token);
        if (!tokenValue.IsNone)
        {
            if (tokenValue.Kind != BencodeKind.ByteString)
            {
                return "r.token must be a string";
            }

            token = tokenValue.Bytes;
        }

        CompactPeerList peers = default;
        var peersValue = values.Get(KrpcKeys.Values);
        if (!peersValue.IsNone && !CompactPeerList.TryCreate(peersValue, out peers))
        {
            return "r.values must be a list of 6- or 18-byte strings";
        }

        body = new KrpcResponse { Id = responder, Nat = nat, Nodes = nodes, Nodes6 = nodes6, Token = token, Values = peers };
        return null;
    }

    /// <summary>BEP 5 "Errors": "e" is a list, an integer code then a string message.</summary>
    private static string? ReadError(in BencodeValue root, out object? body)
    {
        body = null;
        var list = root.Get(KrpcKeys.Error);
        if (list.Kind != BencodeKind.List
            || list.Count != 2
            || list[0].Kind != BencodeKind.Integer
            || list[1].Kind != BencodeKind.ByteString)
        {
            return "e must be a list [integer code, string message]";
        }

        if (list[0].Integer is < int.MinValue or > int.MaxValue)
        {
            return "e code out of range";
        }

        body = new KrpcError((int)list[0].Integer, list[1].Bytes);
        return null;
    }

    private static bool TryReadId(in BencodeValue dictionary, ReadOnlySpan<byte> key, out NodeId id)
    {
        id = default;
        if (!dictionary.TryGetBytes(key, out var bytes) || bytes.Length != NodeId.Size)
        {
            return false;
        }

        id = NodeId.Read(bytes.Span);
        return true;
    }
}
