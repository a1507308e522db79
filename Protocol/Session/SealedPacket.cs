using System.Buffers.Binary;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// An encrypted Media (0x10) or Control (0x11) packet: 13 bytes of overhead (DESIGN.md "Wire").
/// </summary>
/// <remarks>
/// <code>
///  0      1                5                       13
/// +------+----------------+-----------------------+----------------------+
/// | type | sequence (u32) | tag (64-bit GCM MSB)  | ciphertext ...       |
/// +------+----------------+-----------------------+----------------------+
///  \_____ AAD (5) _______/
/// </code>
/// The header is authenticated data, so neither the type nor the sequence can be altered. The
/// sequence starts at 1 in every stream; 0 is never sealed and is refused here.
/// </remarks>
public readonly ref struct SealedPacket
{
    public const int TypeOffset = 0;
    public const int SequenceOffset = 1;
    public const int TagOffset = 5;
    public const int CiphertextOffset = 13;

    /// <summary>Bytes of authenticated data: type and sequence.</summary>
    public const int AadSize = TagOffset;

    /// <summary>Total overhead per packet.</summary>
    public const int Overhead = CiphertextOffset;

    private SealedPacket(ReadOnlySpan<byte> packet)
    {
        Type = (PacketType)packet[TypeOffset];
        Sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[SequenceOffset..]);
        Aad = packet[..AadSize];
        Tag = packet.Slice(TagOffset, Gcm64.TagSize);
        Ciphertext = packet[CiphertextOffset..];
    }

    public PacketType Type { get; }

    public uint Sequence { get; }

    public ReadOnlySpan<byte> Aad { get; }

    public ReadOnlySpan<byte> Tag { get; }

    public ReadOnlySpan<byte> Ciphertext { get; }

    public static bool TryRead(ReadOnlySpan<byte> packet, out SealedPacket sealedPacket)
    {
        sealedPacket = default;
        if (packet.Length < Overhead
            || (packet[TypeOffset] != (byte)PacketType.Media && packet[TypeOffset] != (byte)PacketType.Control)
            || BinaryPrimitives.ReadUInt32BigEndian(packet[SequenceOffset..]) == 0)
        {
            return false;
        }

        sealedPacket = new SealedPacket(packet);
        return true;
    }

    /// <summary>Writes type and sequence (the AAD); the sealer fills the tag and ciphertext. Returns 5.</summary>
    public static int WriteHeader(PacketType type, uint sequence, Span<byte> destination)
    {
        if (type is not (PacketType.Media or PacketType.Control))
        {
            throw new ArgumentException($"only Media and Control packets are sealed, not {type}", nameof(type));
        }

        if (sequence == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), "sequence numbers start at 1");
        }

        destination[TypeOffset] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(destination[SequenceOffset..], sequence);
        return AadSize;
    }
}
