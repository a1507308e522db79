using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PicoTalk.Protocol.Wire;

/// <summary>
/// A UDP peer address as an immutable value: IPv6 (IPv4 held as ::ffff:a.b.c.d, RFC 4291 §2.5.5.2),
/// port and scope. It keys session tables without allocating, unlike <see cref="IPEndPoint"/>, and
/// converts to and from a <see cref="SocketAddress"/> so the socket's receive and send paths stay
/// allocation-free. IPv4 and IPv6 are both first class (the reference code was IPv4 only).
/// </summary>
public readonly struct PeerEndpoint : IEquatable<PeerEndpoint>
{
    private const ulong V4MappedPrefixLow = 0x0000_FFFF_0000_0000UL;

    // Offsets in a Linux sockaddr_in / sockaddr_in6 (what SocketAddress.Buffer holds).
    private const int SockaddrPort = 2;
    private const int SockaddrIn4Address = 4;
    private const int SockaddrIn6Address = 8;
    private const int SockaddrIn6Scope = 24;

    private readonly ulong _high;
    private readonly ulong _low;
    private readonly uint _scope;

    public PeerEndpoint(ulong high, ulong low, ushort port, uint scope = 0)
    {
        _high = high;
        _low = low;
        Port = port;
        _scope = scope;
    }

    public ushort Port { get; }

    /// <summary>Bytes in <see cref="WriteAddress"/>'s output: the IPv6 (or IPv4-mapped) address.</summary>
    public const int AddressSize = 16;

    /// <summary>The IPv6 scope (interface index) of a link-local address; 0 otherwise.</summary>
    public uint ScopeId => _scope;

    /// <summary>The same address with another port (BEP 5 announce_peer names the port apart).</summary>
    public PeerEndpoint WithPort(ushort port) => new(_high, _low, port, _scope);

    /// <summary>Writes the 16-byte address (IPv4 as ::ffff:a.b.c.d), without port or scope.</summary>
    public void WriteAddress(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>
    /// True for addresses that only mean something on this host or LAN: loopback, RFC 1918 private
    /// IPv4, link-local (RFC 3927, RFC 4291 §2.5.6) and IPv6 unique local (RFC 4193). Several
    /// appliances legitimately share such an address with each other's view of the network.
    /// </summary>
    public bool IsLocal
    {
        get
        {
            if (IsIPv4)
            {
                uint v4 = (uint)_low;
                return (v4 >> 24) == 127 || (v4 >> 24) == 10 || (v4 >> 20) == 0xAC1 /* 172.16/12 */
                    || (v4 >> 16) == 0xC0A8 /* 192.168/16 */ || (v4 >> 16) == 0xA9FE /* 169.254/16 */;
            }

            return (_high == 0 && _low == 1) /* ::1 */
                || (_high >> 57) == 0x7E /* fc00::/7 */
                || (_high >> 54) == 0x3FA /* fe80::/10 */;
        }
    }

    /// <summary>True when both endpoints share the address (ports may differ).</summary>
    public bool SameAddress(PeerEndpoint other) => _high == other._high && _low == other._low && _scope == other._scope;

    public bool IsIPv4 => _high == 0 && (_low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefixLow;

    public bool IsEmpty => _high == 0 && _low == 0 && Port == 0;

    public static PeerEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        var address = endPoint.Address;
        uint scope = 0;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
            scope = (uint)address.ScopeId;
        }

        return new PeerEndpoint(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            (ushort)endPoint.Port,
            scope);
    }

    public static PeerEndpoint Parse(string text) =>
        TryParse(text, out var ep) ? ep : throw new FormatException($"'{text}' is not HOST:PORT with a numeric address");

    /// <summary>Parses "1.2.3.4:5004" or "[::1]:5004" (numeric addresses only; no DNS here).</summary>
    public static bool TryParse(string text, out PeerEndpoint endpoint)
    {
        endpoint = default;
        if (!IPEndPoint.TryParse(text, out var ip) || ip.Port == 0 || !text.Contains(':'))
        {
            return false;
        }

        endpoint = FromIPEndPoint(ip);
        return true;
    }

    /// <summary>Reads what a socket wrote into <paramref name="address"/> without allocating.</summary>
    public static bool TryRead(SocketAddress address, out PeerEndpoint endpoint)
    {
        endpoint = default;
        var buffer = address.Buffer.Span[..address.Size];
        ushort port = buffer.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(buffer[SockaddrPort..]) : (ushort)0;
        switch (address.Family)
        {
            case AddressFamily.InterNetwork when buffer.Length >= 8:
                uint v4 = BinaryPrimitives.ReadUInt32BigEndian(buffer[SockaddrIn4Address..]);
                endpoint = new PeerEndpoint(0, V4MappedPrefixLow | v4, port);
                return true;
            case AddressFamily.InterNetworkV6 when buffer.Length >= 28:
                endpoint = new PeerEndpoint(
                    BinaryPrimitives.ReadUInt64BigEndian(buffer[SockaddrIn6Address..]),
                    BinaryPrimitives.ReadUInt64BigEndian(buffer[(SockaddrIn6Address + 8)..]),
                    port,
                    BinaryPrimitives.ReadUInt32LittleEndian(buffer[SockaddrIn6Scope..]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Writes this endpoint into a socket address of the socket's family: an IPv4 socket takes only
    /// IPv4 peers; a dual-stack IPv6 socket takes both (IPv4 as mapped addresses).
    /// </summary>
    public bool TryWriteTo(SocketAddress address)
    {
        var buffer = address.Buffer.Span;
        switch (address.Family)
        {
            case AddressFamily.InterNetwork:
                if (!IsIPv4)
                {
                    return false;
                }

                // Bytes 0-1 hold the family in the platform's own numbering (AF_INET is 2 on Linux,
                // not AddressFamily.InterNetworkV6's 23): the SocketAddress constructor wrote them.
                address.Size = 16;
                buffer[2..16].Clear();
                BinaryPrimitives.WriteUInt16BigEndian(buffer[SockaddrPort..], Port);
                BinaryPrimitives.WriteUInt32BigEndian(buffer[SockaddrIn4Address..], (uint)_low);
                return true;
            case AddressFamily.InterNetworkV6:
                address.Size = 28;
                buffer[2..28].Clear();
                BinaryPrimitives.WriteUInt16BigEndian(buffer[SockaddrPort..], Port);
                BinaryPrimitives.WriteUInt64BigEndian(buffer[SockaddrIn6Address..], _high);
                BinaryPrimitives.WriteUInt64BigEndian(buffer[(SockaddrIn6Address + 8)..], _low);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer[SockaddrIn6Scope..], _scope);
                return true;
            default:
                return false;
        }
    }

    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _low);
        var address = IsIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes, _scope);
        return new IPEndPoint(address, Port);
    }

    public override string ToString() => ToIPEndPoint().ToString();

    public bool Equals(PeerEndpoint other) =>
        _high == other._high && _low == other._low && Port == other.Port && _scope == other._scope;

    public override bool Equals(object? obj) => obj is PeerEndpoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, Port, _scope);

    public static bool operator ==(PeerEndpoint left, PeerEndpoint right) => left.Equals(right);

    public static bool operator !=(PeerEndpoint left, PeerEndpoint right) => !left.Equals(right);
}
