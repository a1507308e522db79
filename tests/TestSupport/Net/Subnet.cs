using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PicoTalk.TestSupport.Net;

/// <summary>An IPv4 subnet such as <c>10.77.1.0/24</c>, handing out addresses inside it.</summary>
public sealed class Subnet
{
    private readonly uint _network;
    private readonly uint _broadcast;
    private uint _nextLow;
    private uint _nextHigh;

    public Subnet(string cidr)
    {
        ArgumentNullException.ThrowIfNull(cidr);
        string[] parts = cidr.Split('/');
        if (parts.Length != 2
            || !IPAddress.TryParse(parts[0], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out int prefix)
            || prefix is < 8 or > 29)
        {
            throw new ArgumentException($"'{cidr}' is not an IPv4 subnet like 10.77.1.0/24 (prefix 8 to 29)", nameof(cidr));
        }

        uint mask = uint.MaxValue << (32 - prefix);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        if ((value & ~mask) != 0)
        {
            throw new ArgumentException($"'{cidr}' has host bits set; did you mean {ToAddress(value & mask)}/{prefix}?", nameof(cidr));
        }

        _network = value;
        _broadcast = value | ~mask;
        _nextLow = value + 1;
        _nextHigh = _broadcast - 1;
        PrefixLength = prefix;
        Cidr = cidr;
    }

    public string Cidr { get; }

    public int PrefixLength { get; }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork
        && (BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes()) & ~(_broadcast - _network)) == _network;

    /// <summary>The next host address from the bottom (.1, .2, ...): for hosts.</summary>
    public IPAddress TakeLow() => Take(ref _nextLow, +1);

    /// <summary>The next host address from the top (.254, .253, ...): for routers, so gateways stand out.</summary>
    public IPAddress TakeHigh() => Take(ref _nextHigh, -1);

    private IPAddress Take(ref uint next, int step)
    {
        if (_nextLow > _nextHigh)
        {
            throw new InvalidOperationException($"subnet {Cidr} has no free address left");
        }

        uint taken = next;
        next = (uint)(next + step);
        return ToAddress(taken);
    }

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public override string ToString() => Cidr;
}
