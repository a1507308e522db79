using System.Buffers.Binary;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// "Compact IP-address/port info" (BEP 5 "Contact Encoding"; the IPv6 form from BEP 32), as used in
/// "values" and in the BEP 42 "ip" key.
/// </summary>
/// <remarks>
/// <code>
///  0           4      6
/// +-----------+------+
/// | IPv4 addr | port |                  6 bytes, big-endian
/// +-----------+------+
///  0                         16     18
/// +-------------------------+------+
/// | IPv6 addr               | port |    18 bytes, big-endian
/// +-------------------------+------+
/// </code>
/// An IPv4 endpoint is written in the 6-byte form, an IPv6 one in the 18-byte form. The IPv6
/// scope ID has no place on the wire and is dropped.
/// </remarks>
public static class CompactPeer
{
    public const int IPv4Size = KrpcLimits.CompactPeerIPv4Size;
    public const int IPv6Size = KrpcLimits.CompactPeerIPv6Size;

    private const int IPv4AddressSize = 4;
    private const int IPv6AddressSize = 16;
    private const ulong V4MappedLow = 0x0000_FFFF_0000_0000UL; // RFC 4291 §2.5.5.2, as PeerEndpoint holds IPv4

    /// <summary>Reads a 6- or 18-byte compact address; false for any other length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out PeerEndpoint endpoint)
    {
        switch (source.Length)
        {
            case IPv4Size:
                endpoint = new PeerEndpoint(
                    0,
                    V4MappedLow | BinaryPrimitives.ReadUInt32BigEndian(source),
                    BinaryPrimitives.ReadUInt16BigEndian(source[IPv4AddressSize..]));
                return true;
            case IPv6Size:
                endpoint = new PeerEndpoint(
                    BinaryPrimitives.ReadUInt64BigEndian(source),
                    BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
                    BinaryPrimitives.ReadUInt16BigEndian(source[IPv6AddressSize..]));
                return true;
            default:
                endpoint = default;
                return false;
        }
    }

    /// <summary>True when an 18-byte compact address holds an IPv4-mapped address (::ffff:a.b.c.d).</summary>
    public static bool IsIPv4MappedIPv6Form(ReadOnlySpan<byte> source) =>
        source.Length == IPv6Size
        && BinaryPrimitives.ReadUInt64BigEndian(source) == 0
        && (BinaryPrimitives.ReadUInt64BigEndian(source[8..]) & 0xFFFF_FFFF_0000_0000UL) == V4MappedLow;

    /// <summary>6 for an IPv4 endpoint, 18 for IPv6.</summary>
    public static int GetSize(PeerEndpoint endpoint) => endpoint.IsIPv4 ? IPv4Size : IPv6Size;

    /// <summary>Writes the compact form; returns its length. Throws if the destination is too small.</summary>
    public static int Write(PeerEndpoint endpoint, Span<byte> destination)
    {
        int size = GetSize(endpoint);
        if (destination.Length < size)
        {
            throw new ArgumentException($"compact peer info needs {size} bytes", nameof(destination));
        }

        WriteAddress(endpoint, destination[..(size - 2)]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(size - 2)..], endpoint.Port);
        return size;
    }

    /// <summary>
    /// Writes the 16-byte form of any endpoint (IPv4 as ::ffff:a.b.c.d), for "nodes6" entries.
    /// </summary>
    internal static void WriteIPv6Form(PeerEndpoint endpoint, Span<byte> destination)
    {
        if (endpoint.IsIPv4)
        {
            destination[..10].Clear();
            destination[10] = 0xFF;
            destination[11] = 0xFF;
            WriteAddress(endpoint, destination.Slice(12, IPv4AddressSize));
        }
        else
        {
            WriteAddress(endpoint, destination[..IPv6AddressSize]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[IPv6AddressSize..], endpoint.Port);
    }

    /// <summary>The address in 4 bytes (IPv4) or 16 (IPv6), as <paramref name="destination"/> is
    /// sized; no allocation, so answering a query costs no garbage per peer or node.</summary>
    private static void WriteAddress(PeerEndpoint endpoint, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[PeerEndpoint.AddressSize];
        endpoint.WriteAddress(full);
        // IPv4 is held as ::ffff:a.b.c.d: its four bytes are the last four of that form.
        full[(PeerEndpoint.AddressSize - destination.Length)..].CopyTo(destination);
    }
}
