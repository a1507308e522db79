using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// A KRPC response ("y" = "r", BEP 5 "Responses"). A response does not name its query: the caller
/// matches it through the transaction ID, so the "r" dictionary is read generically into every
/// field that any BEP 5 / BEP 32 answer may carry; absent ones stay default.
/// </summary>
public sealed class KrpcResponse
{
    /// <summary>"id": the responding node (BEP 5 "DHT Queries": every response has one).</summary>
    public required NodeId Id { get; init; }

    /// <summary>"nat" of a pt_punch response: the callee's NAT mapping; null when absent.</summary>
    public NatMapping? Nat { get; init; }

    /// <summary>"nodes": compact IPv4 node infos (find_node, get_peers).</summary>
    public CompactNodeList Nodes { get; init; }

    /// <summary>"nodes6": compact IPv6 node infos (BEP 32).</summary>
    public CompactNodeList Nodes6 { get; init; }

    /// <summary>"token" of a get_peers response; null when absent.</summary>
    public ReadOnlyMemory<byte>? Token { get; init; }

    /// <summary>"values" of a get_peers response: compact peer infos.</summary>
    public CompactPeerList Values { get; init; }
}
