using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The UDP form of a PicoTalk packet: the stream id the server assigned, then exactly one packet.
/// </summary>
/// <remarks>
/// <code>
///  0        1        2        3        4                  11
/// +--------+--------+--------+--------+-------- ... -------+----------------
/// |            stream_id              |  packet header (7) | payload
/// +--------+--------+--------+--------+-------- ... -------+----------------
/// </code>
/// PICOTALK.md "Framing (TLV)": <c>stream_id u32 | packet</c>, big-endian. A datagram whose packet
/// length does not fill it exactly is invalid (no trailing bytes, no second packet).
/// </remarks>
public static class RoomDatagram
{
    public const int StreamIdSize = 4;
    public const int HeaderSize = StreamIdSize + RoomPacket.HeaderSize;
    public const int MaxSize = StreamIdSize + RoomPacket.MaxPacketSize;

    /// <summary>Reads a datagram; false with a reason for anything but exactly one valid packet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out uint streamId, out RoomPacket packet, out RoomPacketError error)
    {
        streamId = 0;
        packet = default;
        if (datagram.Length < HeaderSize)
        {
            error = RoomPacketError.DatagramTooShort;
            return false;
        }

        if (!RoomPacket.TryReadWhole(datagram[StreamIdSize..], out packet, out error))
        {
            return false;
        }

        streamId = BinaryPrimitives.ReadUInt32BigEndian(datagram);
        return true;
    }

    /// <summary>Writes stream id and packet; returns the datagram size.</summary>
    public static int Write(uint streamId, RoomPacketType type, ushort src, ushort dst, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (destination.Length < StreamIdSize)
        {
            throw new ArgumentException("destination too short", nameof(destination));
        }

        int size = RoomPacket.Write(type, src, dst, payload, destination[StreamIdSize..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination, streamId);
        return StreamIdSize + size;
    }

    /// <summary>Writes the 11-byte datagram header of a packet whose payload the caller writes at offset <see cref="HeaderSize"/>.</summary>
    public static void WriteHeader(uint streamId, RoomPacketType type, ushort src, ushort dst, int payloadLength, Span<byte> destination)
    {
        if (destination.Length < StreamIdSize)
        {
            throw new ArgumentException("destination too short", nameof(destination));
        }

        RoomPacket.WriteHeader(type, src, dst, payloadLength, destination[StreamIdSize..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination, streamId);
    }
}
