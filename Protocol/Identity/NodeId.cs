using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PicoTalk.Protocol.Identity;

/// <summary>
/// A 160-bit node ID: SHA-1 of the node's identity key as a DER SubjectPublicKeyInfo (the paper's
/// routing layer; BEP 5 uses the same 20-byte space, so an ID is also a Mainline DHT info-hash).
/// Value type, big-endian bit order: bit 0 is the most significant bit of byte 0, as Kademlia's XOR
/// metric and prefix buckets need.
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    /// <summary>Bytes in an ID (BEP 5: 20-byte node IDs and info-hashes).</summary>
    public const int Size = 20;

    /// <summary>Hex digits in the text form.</summary>
    public const int HexLength = Size * 2;

    // Three big-endian words keep the struct small, comparable and free of heap arrays.
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly uint _c;

    private NodeId(ulong a, ulong b, uint c)
    {
        _a = a;
        _b = b;
        _c = c;
    }

    /// <summary>The all-zero ID, used on the wire to mean "whoever answers at this address".</summary>
    public static NodeId Zero => default;

    public bool IsZero => _a == 0 && _b == 0 && _c == 0;

    public static NodeId Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"a node ID needs {Size} bytes, got {source.Length}", nameof(source));
        }

        return new NodeId(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[16..]));
    }

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a node ID needs {Size} bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _c);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The ID of a key: SHA-1 over its DER SubjectPublicKeyInfo (DESIGN.md "Identity").</summary>
    public static NodeId FromSubjectPublicKeyInfo(ReadOnlySpan<byte> spki)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA1.HashData(spki, hash);
        return Read(hash);
    }

    /// <summary>Kademlia's distance: the bitwise XOR of two IDs.</summary>
    public NodeId Xor(NodeId other) => new(_a ^ other._a, _b ^ other._b, _c ^ other._c);

    /// <summary>Number of leading bits two IDs share (0..160); 160 when they are equal.</summary>
    public int CommonPrefixLength(NodeId other)
    {
        var d = Xor(other);
        if (d._a != 0) return System.Numerics.BitOperations.LeadingZeroCount(d._a);
        if (d._b != 0) return 64 + System.Numerics.BitOperations.LeadingZeroCount(d._b);
        if (d._c != 0) return 128 + System.Numerics.BitOperations.LeadingZeroCount(d._c);
        return Size * 8;
    }

    /// <summary>Bit <paramref name="index"/> counted from the most significant bit of byte 0.</summary>
    public bool GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size * 8);
        return index switch
        {
            < 64 => ((_a >> (63 - index)) & 1) != 0,
            < 128 => ((_b >> (127 - index)) & 1) != 0,
            _ => ((_c >> (159 - index)) & 1) != 0,
        };
    }

    public static NodeId Random()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    /// <summary>Parses exactly 40 hex digits (either case).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NodeId id)
    {
        id = default;
        if (text.Length != HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(text, bytes, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != Size)
        {
            return false;
        }

        id = Read(bytes);
        return true;
    }

    public static NodeId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"a node ID is {HexLength} hex digits, got '{text}'");

    /// <summary>40 lower-case hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(NodeId other) => _a == other._a && _b == other._b && _c == other._c;

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_a, _b, _c);

    /// <summary>Orders IDs as unsigned 160-bit big-endian numbers, so XOR distances compare correctly.</summary>
    public int CompareTo(NodeId other)
    {
        int c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        return c != 0 ? c : _c.CompareTo(other._c);
    }

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);
}
