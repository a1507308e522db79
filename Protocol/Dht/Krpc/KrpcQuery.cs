using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// A KRPC query ("y" = "q", BEP 5 "Queries"): the method and its "a" arguments. Made by the
/// factories below, one per method of BEP 5 "DHT Queries", or by <see cref="KrpcCodec.TryRead"/>.
/// </summary>
public sealed class KrpcQuery
{
    private KrpcQuery(KrpcMethod method, ReadOnlyMemory<byte> methodName, NodeId id)
    {
        Method = method;
        MethodName = methodName;
        Id = id;
    }

    public KrpcMethod Method { get; }

    /// <summary>"q" as on the wire; for <see cref="KrpcMethod.Unknown"/> the name to report in a 204 error.</summary>
    public ReadOnlyMemory<byte> MethodName { get; }

    /// <summary>"id": the querying node. For an unknown method, the 20-byte "id" if it had one, else zero.</summary>
    public NodeId Id { get; }

    /// <summary>find_node "target".</summary>
    public NodeId Target { get; private init; }

    /// <summary>get_peers and announce_peer "info_hash".</summary>
    public NodeId InfoHash { get; private init; }

    /// <summary>BEP 32 "want" of find_node and get_peers; <see cref="KrpcWant.None"/> when absent.</summary>
    public KrpcWant Want { get; private init; }

    /// <summary>announce_peer "port" (1..65535, or anything in 0..65535 when <see cref="ImpliedPort"/>).</summary>
    public ushort Port { get; private init; }

    /// <summary>announce_peer "implied_port" non-zero: use the UDP source port instead of <see cref="Port"/>.</summary>
    public bool ImpliedPort { get; private init; }

    /// <summary>pt_punch "addr": whom the callee should send to (set by the relay); null when absent.</summary>
    public PeerEndpoint? PunchAddress { get; private init; }

    /// <summary>announce_peer "token", from an earlier get_peers response.</summary>
    public ReadOnlyMemory<byte> Token { get; private init; }

    /// <summary>
    /// The "a" value of an <see cref="KrpcMethod.Unknown"/> method as received (None if absent);
    /// written back unchanged. Unused for known methods, which are written from the typed fields.
    /// </summary>
    public BencodeValue Arguments { get; private init; }

    // Static method names: reading a known method keeps no slice of the datagram for "q".
    private static readonly byte[] PingName = KrpcKeys.Ping.ToArray();
    private static readonly byte[] FindNodeName = KrpcKeys.FindNode.ToArray();
    private static readonly byte[] GetPeersName = KrpcKeys.GetPeers.ToArray();
    private static readonly byte[] AnnouncePeerName = KrpcKeys.AnnouncePeer.ToArray();
    private static readonly byte[] PunchName = KrpcKeys.Punch.ToArray();

    public static KrpcQuery Ping(NodeId id) => new(KrpcMethod.Ping, PingName, id);

    public static KrpcQuery FindNode(NodeId id, NodeId target, KrpcWant want = KrpcWant.None) =>
        new(KrpcMethod.FindNode, FindNodeName, id) { Target = target, Want = want };

    public static KrpcQuery GetPeers(NodeId id, NodeId infoHash, KrpcWant want = KrpcWant.None) =>
        new(KrpcMethod.GetPeers, GetPeersName, id) { InfoHash = infoHash, Want = want };

    /// <summary>announce_peer; <paramref name="port"/> must be 1..65535 unless <paramref name="impliedPort"/>.</summary>
    public static KrpcQuery AnnouncePeer(NodeId id, NodeId infoHash, ushort port, ReadOnlyMemory<byte> token, bool impliedPort = false)
    {
        if (port == 0 && !impliedPort)
        {
            throw new ArgumentOutOfRangeException(nameof(port), "port 0 is only allowed with implied_port");
        }

        return new(KrpcMethod.AnnouncePeer, AnnouncePeerName, id)
        {
            InfoHash = infoHash, Port = port, Token = token, ImpliedPort = impliedPort,
        };
    }

    /// <summary>
    /// Our "pt_punch" (KrpcCodec.Punch.cs): "info_hash" is the callee's ID; "addr" is set only by a
    /// relay, naming the caller the callee should send to.
    /// </summary>
    public static KrpcQuery Punch(NodeId id, NodeId callee, PeerEndpoint? address = null)
    {
        if (address is { } a && (a.IsEmpty || a.Port == 0))
        {
            throw new ArgumentException("a punch address needs an address and a port", nameof(address));
        }

        return new(KrpcMethod.Punch, PunchName, id) { InfoHash = callee, PunchAddress = address };
    }

    /// <summary>A method this codec does not know (e.g. one of our own, DESIGN.md "Wire"), with raw arguments.</summary>
    public static KrpcQuery Unknown(ReadOnlyMemory<byte> methodName, BencodeValue arguments, NodeId id = default)
    {
        var kind = MethodOf(methodName.Span);
        if (kind != KrpcMethod.Unknown)
        {
            throw new ArgumentException("use the factory of the known method", nameof(methodName));
        }

        return new(KrpcMethod.Unknown, methodName, id) { Arguments = arguments };
    }

    /// <summary>Maps a "q" name to its method (exact bytes, case-sensitive).</summary>
    public static KrpcMethod MethodOf(ReadOnlySpan<byte> name)
    {
        if (name.SequenceEqual(KrpcKeys.Ping)) return KrpcMethod.Ping;
        if (name.SequenceEqual(KrpcKeys.FindNode)) return KrpcMethod.FindNode;
        if (name.SequenceEqual(KrpcKeys.GetPeers)) return KrpcMethod.GetPeers;
        if (name.SequenceEqual(KrpcKeys.AnnouncePeer)) return KrpcMethod.AnnouncePeer;
        if (name.SequenceEqual(KrpcKeys.Punch)) return KrpcMethod.Punch;
        return KrpcMethod.Unknown;
    }
}
