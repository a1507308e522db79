using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// "Compact node info" (BEP 5 "Contact Encoding"): a node ID followed by its compact address;
/// 26 bytes in "nodes" (IPv4), 38 bytes in "nodes6" (BEP 32 "nodes6").
/// </summary>
/// <remarks>
/// <code>
///  0                      20          24     26
/// +----------------------+-----------+------+
/// | node ID              | IPv4 addr | port |                "nodes" entry
/// +----------------------+-----------+------+
///  0                      20                        36     38
/// +----------------------+-------------------------+------+
/// | node ID              | IPv6 addr               | port |  "nodes6" entry
/// +----------------------+-------------------------+------+
/// </code>
/// An IPv6 endpoint has no 26-byte form: writing one into "nodes" is refused.
/// </remarks>
public readonly record struct CompactNode(NodeId Id, PeerEndpoint Endpoint)
{
    public const int IPv4Size = KrpcLimits.CompactNodeIPv4Size;
    public const int IPv6Size = KrpcLimits.CompactNodeIPv6Size;

    private const int AddressOffset = NodeId.Size;

    /// <summary>Reads exactly one 26-byte entry.</summary>
    public static bool TryReadIPv4(ReadOnlySpan<byte> source, out CompactNode node) => TryRead(source, IPv4Size, out node);

    /// <summary>Reads exactly one 38-byte entry.</summary>
    public static bool TryReadIPv6(ReadOnlySpan<byte> source, out CompactNode node) => TryRead(source, IPv6Size, out node);

    /// <summary>Writes the 26-byte form; throws for an IPv6 endpoint or a short destination.</summary>
    public static int WriteIPv4(in CompactNode node, Span<byte> destination)
    {
        if (!node.Endpoint.IsIPv4)
        {
            throw new ArgumentException($"{node.Endpoint} is IPv6: it belongs in \"nodes6\", not \"nodes\"", nameof(node));
        }

        CheckRoom(destination, IPv4Size);
        node.Id.WriteTo(destination);
        CompactPeer.Write(node.Endpoint, destination[AddressOffset..IPv4Size]);
        return IPv4Size;
    }

    /// <summary>Writes the 38-byte form (an IPv4 endpoint as ::ffff:a.b.c.d).</summary>
    public static int WriteIPv6(in CompactNode node, Span<byte> destination)
    {
        CheckRoom(destination, IPv6Size);
        node.Id.WriteTo(destination);
        CompactPeer.WriteIPv6Form(node.Endpoint, destination[AddressOffset..IPv6Size]);
        return IPv6Size;
    }

    private static bool TryRead(ReadOnlySpan<byte> source, int size, out CompactNode node)
    {
        node = default;
        if (source.Length != size || !CompactPeer.TryRead(source[AddressOffset..], out var endpoint))
        {
            return false;
        }

        node = new CompactNode(NodeId.Read(source), endpoint);
        return true;
    }

    private static void CheckRoom(Span<byte> destination, int size)
    {
        if (destination.Length < size)
        {
            throw new ArgumentException($"compact node info needs {size} bytes", nameof(destination));
        }
    }
}
