using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// The IP address of a <see cref="PeerEndpoint"/> without its port: the key for per-address limits
/// (routing table, peer store rate limit) and for announce tokens, which BEP 5 binds to the IP.
/// IPv4 appears as the mapped IPv6 address, as in <see cref="PeerEndpoint"/>.
/// </summary>
internal readonly record struct IpAddressKey(ulong High, ulong Low, uint Scope)
{
    public const int AddressSize = 16;

    // sockaddr_in6 offsets on Linux: PeerEndpoint exposes its address only through a SocketAddress.
    private const int SockaddrIn6Address = 8;
    private const int SockaddrIn6Scope = 24;

    [ThreadStatic]
    private static SocketAddress? t_scratch;

    public bool IsIPv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == 0x0000_FFFF_0000_0000UL;

    public static IpAddressKey Of(PeerEndpoint endpoint)
    {
        var scratch = t_scratch ??= new SocketAddress(AddressFamily.InterNetworkV6);
        if (!endpoint.TryWriteTo(scratch))
        {
            throw new InvalidOperationException("an IPv6 socket address takes every endpoint");
        }

        var buffer = scratch.Buffer.Span;
        return new IpAddressKey(
            BinaryPrimitives.ReadUInt64BigEndian(buffer[SockaddrIn6Address..]),
            BinaryPrimitives.ReadUInt64BigEndian(buffer[(SockaddrIn6Address + 8)..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[SockaddrIn6Scope..]));
    }

    public PeerEndpoint WithPort(ushort port) => new(High, Low, port, Scope);

    /// <summary>Writes the 16 address bytes (network order).</summary>
    public void WriteAddress(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }
}
