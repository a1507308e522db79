using System.Buffers.Binary;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// The IP address of a <see cref="PeerEndpoint"/> without its port: the key for per-address limits
/// (routing table, peer store rate limit) and for announce tokens, which BEP 5 binds to the IP.
/// IPv4 appears as the mapped IPv6 address, as in <see cref="PeerEndpoint"/>.
/// </summary>
internal readonly record struct IpAddressKey(ulong High, ulong Low, uint Scope)
{
    public const int AddressSize = PeerEndpoint.AddressSize;

    public bool IsIPv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == 0x0000_FFFF_0000_0000UL;

    public static IpAddressKey Of(PeerEndpoint endpoint)
    {
        Span<byte> address = stackalloc byte[AddressSize];
        endpoint.WriteAddress(address);
        return new IpAddressKey(
            BinaryPrimitives.ReadUInt64BigEndian(address),
            BinaryPrimitives.ReadUInt64BigEndian(address[8..]),
            endpoint.ScopeId);
    }

    public PeerEndpoint WithPort(ushort port) => new(High, Low, port, Scope);

    /// <summary>Writes the 16 address bytes (network order).</summary>
    public void WriteAddress(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }
}
