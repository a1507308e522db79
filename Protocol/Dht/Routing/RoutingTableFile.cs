using System.Buffers.Binary;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>A node as the routing table file keeps it.</summary>
public readonly record struct SavedNode(NodeId Id, PeerEndpoint Endpoint, DateTimeOffset LastSeen);

/// <summary>Why a routing table file was refused.</summary>
public enum RoutingFileError
{
    None,
    TooShort,
    BadMagic,
    UnsupportedVersion,
    ReservedNotZero,
    LengthMismatch,
    InvalidNode,
}

/// <summary>
/// The routing table file in the state directory: what lets a restarted appliance rejoin the DHT
/// without a bootstrap node (the daemon writes it atomically and reads it at start).
/// </summary>
/// <remarks>
/// <code>
/// Header (8 bytes):
///  0        4         5          6                8
/// +--------+---------+----------+----------------+
/// | "PTRT" | version | reserved | count (u16 BE) |
/// +--------+---------+----------+----------------+
///
/// Node record (50 bytes), count times:
///  0              20                      36          38            42                      50
/// +--------------+-----------------------+-----------+-------------+-----------------------+
/// | node ID (20) | IPv6 address (16, v4  | port      | IPv6 scope  | last seen, Unix ms    |
/// |              | as ::ffff:a.b.c.d)    | (u16 BE)  | (u32 BE)    | (i64 BE, wall clock)  |
/// +--------------+-----------------------+-----------+-------------+-----------------------+
/// </code>
/// version = 1, reserved = 0. The length must be exactly header + count × record. All integers
/// are big-endian (network order). Last seen is wall-clock time because monotonic timestamps do
/// not survive a restart.
/// </remarks>
public static class RoutingTableFile
{
    public static ReadOnlySpan<byte> Magic => "PTRT"u8;

    public const byte Version = 1;

    public const int VersionOffset = 4;
    public const int ReservedOffset = 5;
    public const int CountOffset = 6;
    public const int HeaderSize = 8;

    public const int RecordIdOffset = 0;
    public const int RecordAddressOffset = RecordIdOffset + NodeId.Size;
    public const int RecordPortOffset = RecordAddressOffset + IpAddressKey.AddressSize;
    public const int RecordScopeOffset = RecordPortOffset + 2;
    public const int RecordLastSeenOffset = RecordScopeOffset + 4;
    public const int RecordSize = RecordLastSeenOffset + 8;

    public const int MaxNodes = ushort.MaxValue;

    public static int GetSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxNodes);
        return HeaderSize + count * RecordSize;
    }

    /// <summary>Writes the file; returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<SavedNode> nodes, Span<byte> destination)
    {
        int size = GetSize(nodes.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the routing table file needs {size} bytes", nameof(destination));
        }

        Magic.CopyTo(destination);
        destination[VersionOffset] = Version;
        destination[ReservedOffset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[CountOffset..], (ushort)nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            var record = destination.Slice(HeaderSize + i * RecordSize, RecordSize);
            var node = nodes[i];
            var address = IpAddressKey.Of(node.Endpoint);
            node.Id.WriteTo(record[RecordIdOffset..]);
            address.WriteAddress(record[RecordAddressOffset..]);
            BinaryPrimitives.WriteUInt16BigEndian(record[RecordPortOffset..], node.Endpoint.Port);
            BinaryPrimitives.WriteUInt32BigEndian(record[RecordScopeOffset..], address.Scope);
            BinaryPrimitives.WriteInt64BigEndian(record[RecordLastSeenOffset..], node.LastSeen.ToUnixTimeMilliseconds());
        }

        return size;
    }

    /// <summary>Parses a whole file; never throws: anything malformed gives false and the reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SavedNode[] nodes, out RoutingFileError error)
    {
        nodes = Array.Empty<SavedNode>();
        if (source.Length < HeaderSize)
        {
            error = RoutingFileError.TooShort;
            return false;
        }

        if (!source[..Magic.Length].SequenceEqual(Magic))
        {
            error = RoutingFileError.BadMagic;
            return false;
        }

        if (source[VersionOffset] != Version)
        {
            error = RoutingFileError.UnsupportedVersion;
            return false;
        }

        if (source[ReservedOffset] != 0)
        {
            error = RoutingFileError.ReservedNotZero;
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(source[CountOffset..]);
        if (source.Length != HeaderSize + count * RecordSize)
        {
            error = RoutingFileError.LengthMismatch;
            return false;
        }

        var parsed = new SavedNode[count];
        for (int i = 0; i < count; i++)
        {
            if (!TryReadRecord(source.Slice(HeaderSize + i * RecordSize, RecordSize), out parsed[i]))
            {
                error = RoutingFileError.InvalidNode;
                return false;
            }
        }

        nodes = parsed;
        error = RoutingFileError.None;
        return true;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> record, out SavedNode node)
    {
        node = default;
        var id = NodeId.Read(record[RecordIdOffset..]);
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(record[RecordAddressOffset..]);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(record[(RecordAddressOffset + 8)..]);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(record[RecordPortOffset..]);
        uint scope = BinaryPrimitives.ReadUInt32BigEndian(record[RecordScopeOffset..]);
        long lastSeen = BinaryPrimitives.ReadInt64BigEndian(record[RecordLastSeenOffset..]);
        if (id.IsZero || (high == 0 && low == 0) || port == 0
            || lastSeen < 0 || lastSeen > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        node = new SavedNode(id, new PeerEndpoint(high, low, port, scope), DateTimeOffset.FromUnixTimeMilliseconds(lastSeen));
        return true;
    }
}
