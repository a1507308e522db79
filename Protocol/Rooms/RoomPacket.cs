using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>The packet types of PicoTalk v0.0.20 (PICOTALK.md "Framing"), and ours.</summary>
public enum RoomPacketType : byte
{
    AudioFrame = 1,
    Json = 2,
    Binary = 3,

    /// <summary>
    /// Ours (WideAudio, <see cref="WideAudioFrame"/>): sent only between a member of ours and our
    /// server, both of which announced WideAudio, so no PicoTalk program ever reads it. Far from
    /// PicoTalk's 1..3 so that a later PicoTalk type would not collide with it.
    /// </summary>
    WideAudioFrame = 0x10,
}

/// <summary>What a stream reader made of the bytes so far.</summary>
public enum RoomReadStatus
{
    /// <summary>A whole packet was read; <c>consumed</c> bytes may be dropped from the buffer.</summary>
    Complete,

    /// <summary>Not enough bytes yet for a whole packet: read more and try again.</summary>
    Incomplete,

    /// <summary>The bytes cannot be a PicoTalk packet (<see cref="RoomPacketError"/> says why): close the connection.</summary>
    Invalid,
}

/// <summary>Why bytes are not a valid packet.</summary>
public enum RoomPacketError
{
    None,
    UnknownType,
    PayloadTooLong,
    DatagramTooShort,
    DatagramLengthMismatch,
}

/// <summary>
/// One PicoTalk packet (TLV with addresses). The payload is a view into the caller's buffer.
/// </summary>
/// <remarks>
/// <code>
///  0        1        2        3        4        5        6        7
/// +--------+--------+--------+--------+--------+--------+--------+----------------
/// |  type  |     length      |       src       |       dst       | payload[length]
/// +--------+--------+--------+--------+--------+--------+--------+----------------
/// </code>
/// All fields big-endian (PICOTALK.md "Framing (TLV)"). Addresses: 0 undefined, 1 the server,
/// 2.. the peers. Over TCP packets follow each other; over WebSocket one per binary message; over
/// UDP each datagram is a <see cref="RoomDatagram"/>.
/// </remarks>
public readonly ref struct RoomPacket
{
    public const int HeaderSize = 7;
    private const int LengthOffset = 1;
    private const int SrcOffset = 3;
    private const int DstOffset = 5;

    /// <summary>
    /// Our bound on a payload (the u16 length allows 65,535). Large enough for a sealed inner packet
    /// of a mixed audio frame with 64 tags (16 + 8 + 7 + 1024 + 6 × 64) or a long chat message;
    /// small enough that a connection's read buffer stays bounded.
    /// </summary>
    public const int MaxPayloadLength = 16_384;

    public const int MaxPacketSize = HeaderSize + MaxPayloadLength;

    public RoomPacket(RoomPacketType type, ushort src, ushort dst, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Src = src;
        Dst = dst;
        Payload = payload;
    }

    public RoomPacketType Type { get; }

    public ushort Src { get; }

    public ushort Dst { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public int Size => HeaderSize + Payload.Length;

    public static bool IsKnownType(byte type) => type is (>= (byte)RoomPacketType.AudioFrame and <= (byte)RoomPacketType.Binary) or (byte)RoomPacketType.WideAudioFrame;

    /// <summary>
    /// Reads the first packet of a byte stream (TCP) or of a WebSocket message. The header is checked
    /// before the payload has arrived, so an unknown type or an oversized length is
    /// <see cref="RoomReadStatus.Invalid"/> at once rather than a wait for bytes that never come.
    /// </summary>
    public static RoomReadStatus TryRead(ReadOnlySpan<byte> buffer, out RoomPacket packet, out int consumed, out RoomPacketError error)
    {
        packet = default;
        consumed = 0;
        error = RoomPacketError.None;
        if (buffer.Length >= 1 && !IsKnownType(buffer[0]))
        {
            error = RoomPacketError.UnknownType;
            return RoomReadStatus.Invalid;
        }

        if (buffer.Length < HeaderSize)
        {
            return RoomReadStatus.Incomplete;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[LengthOffset..]);
        if (length > MaxPayloadLength)
        {
            error = RoomPacketError.PayloadTooLong;
            return RoomReadStatus.Invalid;
        }

        if (buffer.Length < HeaderSize + length)
        {
            return RoomReadStatus.Incomplete;
        }

        packet = new RoomPacket(
            (RoomPacketType)buffer[0],
            BinaryPrimitives.ReadUInt16BigEndian(buffer[SrcOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[DstOffset..]),
            buffer.Slice(HeaderSize, length));
        consumed = HeaderSize + length;
        return RoomReadStatus.Complete;
    }

    /// <summary>Reads exactly one packet that fills <paramref name="message"/> (a WebSocket binary message).</summary>
    public static bool TryReadWhole(ReadOnlySpan<byte> message, out RoomPacket packet, out RoomPacketError error)
    {
        var status = TryRead(message, out packet, out int consumed, out error);
        if (status == RoomReadStatus.Complete && consumed == message.Length)
        {
            return true;
        }

        if (error == RoomPacketError.None)
        {
            error = RoomPacketError.DatagramLengthMismatch;
        }

        packet = default;
        return false;
    }

    /// <summary>Writes the packet; returns its size. Throws if the payload exceeds <see cref="MaxPayloadLength"/> or the destination is short.</summary>
    public int WriteTo(Span<byte> destination) => Write(Type, Src, Dst, Payload, destination);

    /// <inheritdoc cref="WriteTo"/>
    public static int Write(RoomPacketType type, ushort src, ushort dst, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        int payloadLength = WriteHeader(type, src, dst, payload.Length, destination);
        payload.CopyTo(destination[HeaderSize..]);
        return HeaderSize + payloadLength;
    }

    /// <summary>Writes only the header of a packet whose payload the caller writes at offset <see cref="HeaderSize"/>; returns the payload length.</summary>
    public static int WriteHeader(RoomPacketType type, ushort src, ushort dst, int payloadLength, Span<byte> destination)
    {
        if (!IsKnownType((byte)type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "not a PicoTalk packet type");
        }

        if ((uint)payloadLength > MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, $"payload over {MaxPayloadLength} bytes");
        }

        if (destination.Length < HeaderSize + payloadLength)
        {
            throw new ArgumentException($"needs {HeaderSize + payloadLength} bytes", nameof(destination));
        }

        destination[0] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[LengthOffset..], (ushort)payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[SrcOffset..], src);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DstOffset..], dst);
        return payloadLength;
    }
}
