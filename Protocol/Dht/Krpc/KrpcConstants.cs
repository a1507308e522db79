namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>Dictionary keys and fixed strings of KRPC, from the specifications (BEP 5, 32, 42, 43).</summary>
public static class KrpcKeys
{
    // BEP 5 "KRPC Protocol": every message.
    public static ReadOnlySpan<byte> TransactionId => "t"u8;
    public static ReadOnlySpan<byte> Type => "y"u8;

    // BEP 5 "Queries", "Responses", "Errors".
    public static ReadOnlySpan<byte> QueryMethod => "q"u8;
    public static ReadOnlySpan<byte> Arguments => "a"u8;
    public static ReadOnlySpan<byte> Response => "r"u8;
    public static ReadOnlySpan<byte> Error => "e"u8;

    // Client version: libtorrent's "dht_extensions" (2 letters + 2 version bytes), optional everywhere.
    public static ReadOnlySpan<byte> Version => "v"u8;

    // BEP 42 "Bootstrapping": the requester's compact address, top level of responses.
    public static ReadOnlySpan<byte> RequesterAddress => "ip"u8;

    // BEP 43 "Read-Only State": "ro" = 1 at top level of a read-only node's queries.
    public static ReadOnlySpan<byte> ReadOnly => "ro"u8;

    // BEP 5 "DHT Queries" arguments and return values.
    public static ReadOnlySpan<byte> Id => "id"u8;
    public static ReadOnlySpan<byte> Target => "target"u8;
    public static ReadOnlySpan<byte> InfoHash => "info_hash"u8;
    public static ReadOnlySpan<byte> Port => "port"u8;
    public static ReadOnlySpan<byte> ImpliedPort => "implied_port"u8;
    public static ReadOnlySpan<byte> Token => "token"u8;
    public static ReadOnlySpan<byte> Nodes => "nodes"u8;
    public static ReadOnlySpan<byte> Values => "values"u8;

    // BEP 32 "New parameters".
    public static ReadOnlySpan<byte> Nodes6 => "nodes6"u8;
    public static ReadOnlySpan<byte> Want => "want"u8;
    public static ReadOnlySpan<byte> WantIPv4 => "n4"u8;
    public static ReadOnlySpan<byte> WantIPv6 => "n6"u8;

    // BEP 5 method names.
    public static ReadOnlySpan<byte> Ping => "ping"u8;
    public static ReadOnlySpan<byte> FindNode => "find_node"u8;
    public static ReadOnlySpan<byte> GetPeers => "get_peers"u8;
    public static ReadOnlySpan<byte> AnnouncePeer => "announce_peer"u8;

    // Our own query (DESIGN.md "Wire"), relayed hole punching: KrpcCodec.Punch.cs.
    public static ReadOnlySpan<byte> Punch => "pt_punch"u8;
    public static ReadOnlySpan<byte> PunchAddress => "addr"u8;
    public static ReadOnlySpan<byte> Nat => "nat"u8;
}

/// <summary>Sizes from the specifications, and the limits we chose.</summary>
public static class KrpcLimits
{
    // ---- from the specifications ----

    /// <summary>BEP 5 "Contact Encoding": 4-byte IPv4 address + 2-byte port, network byte order.</summary>
    public const int CompactPeerIPv4Size = 6;

    /// <summary>BEP 32: 16-byte IPv6 address + 2-byte port.</summary>
    public const int CompactPeerIPv6Size = 18;

    /// <summary>BEP 5 "Contact Encoding": 20-byte node ID + compact IPv4 peer info.</summary>
    public const int CompactNodeIPv4Size = 20 + CompactPeerIPv4Size;

    /// <summary>BEP 32 "nodes6": 20-byte node ID + compact IPv6 peer info.</summary>
    public const int CompactNodeIPv6Size = 20 + CompactPeerIPv6Size;

    // ---- our choices ----

    /// <summary>
    /// Largest datagram we read or write: one Ethernet MTU. BEP 32 "Maximum packet size" says send
    /// at most 1024 bytes but should receive more; our own messages stay far below either.
    /// </summary>
    public const int MaxMessageSize = 1500;

    /// <summary>Shortest transaction ID we accept ("t"; BEP 5 only says "a short string").</summary>
    public const int MinTransactionIdLength = 1;

    /// <summary>Longest transaction ID we accept; real nodes use 2 to 8 bytes.</summary>
    public const int MaxTransactionIdLength = 16;

    /// <summary>Length of the "v" we send: two letters and a two-byte version.</summary>
    public const int VersionLength = 4;
}

/// <summary>
/// Our "v": two letters naming the client and a two-byte big-endian version, the form libtorrent's
/// "Mainline DHT extensions" describe ("UT", "LT", ...). Ours is "PT".
/// </summary>
public static class KrpcClientVersion
{
    public static ReadOnlySpan<byte> Prefix => "PT"u8;

    /// <summary>"PT" followed by <paramref name="version"/> big-endian: 4 bytes.</summary>
    public static byte[] Create(ushort version)
    {
        var bytes = new byte[KrpcLimits.VersionLength];
        Prefix.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(Prefix.Length), version);
        return bytes;
    }
}
