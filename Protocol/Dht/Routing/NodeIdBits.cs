using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>Bit surgery on IDs for prefix buckets (bit 0 = most significant bit of byte 0, as <see cref="NodeId.GetBit"/>).</summary>
internal static class NodeIdBits
{
    public const int Bits = NodeId.Size * 8;

    /// <summary>The first <paramref name="length"/> bits of <paramref name="prefix"/>, the rest of <paramref name="rest"/>.</summary>
    public static NodeId WithPrefix(NodeId prefix, int length, NodeId rest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Bits);
        Span<byte> p = stackalloc byte[NodeId.Size];
        Span<byte> r = stackalloc byte[NodeId.Size];
        prefix.WriteTo(p);
        rest.WriteTo(r);
        int whole = length / 8;
        p[..whole].CopyTo(r);
        int partial = length % 8;
        if (partial != 0)
        {
            byte mask = (byte)(0xFF << (8 - partial));
            r[whole] = (byte)((r[whole] & ~mask) | (p[whole] & mask));
        }

        return NodeId.Read(r);
    }

    /// <summary>Keeps the first <paramref name="length"/> bits, zeroes the rest.</summary>
    public static NodeId Truncate(NodeId id, int length) => WithPrefix(id, length, NodeId.Zero);

    public static NodeId FlipBit(NodeId id, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        Span<byte> b = stackalloc byte[NodeId.Size];
        id.WriteTo(b);
        b[index / 8] ^= (byte)(0x80 >> (index % 8));
        return NodeId.Read(b);
    }

    /// <summary>True when the first <paramref name="length"/> bits of the two IDs agree.</summary>
    public static bool HasPrefix(NodeId id, NodeId prefix, int length) => id.CommonPrefixLength(prefix) >= length;
}
