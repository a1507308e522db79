using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>Seeded IDs and endpoints for routing tests.</summary>
internal static class DhtTestIds
{
    public static NodeId RandomId(Random random)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        random.NextBytes(bytes);
        return NodeId.Read(bytes);
    }

    /// <summary>A random ID sharing exactly <paramref name="prefixLength"/> leading bits with <paramref name="own"/>.</summary>
    public static NodeId WithSharedPrefix(NodeId own, int prefixLength, Random random)
    {
        var id = NodeIdBits.WithPrefix(own, prefixLength, RandomId(random));
        if (id.GetBit(prefixLength) == own.GetBit(prefixLength))
        {
            id = NodeIdBits.FlipBit(id, prefixLength);
        }

        return id;
    }

    /// <summary>A distinct IPv4 endpoint per <paramref name="index"/> in 100.64.0.0/10: not a local
    /// address, so the per-address Sybil limit applies to it (local addresses are exempt).</summary>
    public static PeerEndpoint Endpoint(int index, ushort port = 6881) =>
        new(0, 0x0000_FFFF_0000_0000UL | 0x6440_0000UL | (uint)(index & 0x003F_FFFF), port);

    /// <summary>The same address as <see cref="Endpoint"/> with another port.</summary>
    public static PeerEndpoint SameAddress(int index, ushort port) => Endpoint(index, port);
}
