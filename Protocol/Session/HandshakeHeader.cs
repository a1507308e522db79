using System.Buffers.Binary;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// The 4-byte header every handshake message starts with, and the u16-length-prefixed fields the
/// three messages share.
/// </summary>
/// <remarks>
/// <code>
///  0        1         2        3
/// +--------+---------+--------+----------+
/// |  type  | version | flags  | reserved |   version = 1, reserved = 0,
/// +--------+---------+--------+----------+   flags bit 0 = rekey, other bits 0
/// </code>
/// Unknown flag bits and a non-zero reserved byte are refused rather than ignored: a future
/// version that needs them bumps <see cref="Version"/>, so a peer never half-understands a message.
/// </remarks>
public static class HandshakeHeader
{
    public const int Size = 4;
    public const int TypeOffset = 0;
    public const int VersionOffset = 1;
    public const int FlagsOffset = 2;
    public const int ReservedOffset = 3;

    /// <summary>The only protocol version this code speaks.</summary>
    public const byte Version = 1;

    /// <summary>Flags bit 0: a new handshake replacing the keys of an established session with the same peer.</summary>
    public const byte RekeyFlag = 0x01;

    /// <summary>Size of a length prefix (u16, big-endian).</summary>
    public const int LengthPrefixSize = 2;

    /// <summary>Largest field the codecs accept; the session layer is stricter (exactly 91 / 64 bytes).</summary>
    public const int MaxFieldLength = 512;

    private const byte KnownFlags = RekeyFlag;

    /// <summary>Checks type, version, reserved byte and flags; returns the flags.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, PacketType expectedType, out byte flags)
    {
        flags = 0;
        if (packet.Length < Size
            || packet[TypeOffset] != (byte)expectedType
            || packet[VersionOffset] != Version
            || packet[ReservedOffset] != 0
            || (packet[FlagsOffset] & ~KnownFlags) != 0)
        {
            return false;
        }

        flags = packet[FlagsOffset];
        return true;
    }

    public static void Write(PacketType type, byte flags, Span<byte> destination)
    {
        if ((flags & ~KnownFlags) != 0)
        {
            throw new ArgumentException($"unknown handshake flags 0x{flags:x2}", nameof(flags));
        }

        destination[TypeOffset] = (byte)type;
        destination[VersionOffset] = Version;
        destination[FlagsOffset] = flags;
        destination[ReservedOffset] = 0;
    }

    /// <summary>Reads one u16-length-prefixed field of 1..<see cref="MaxFieldLength"/> bytes at <paramref name="offset"/> and advances it.</summary>
    internal static bool TryReadField(ReadOnlySpan<byte> packet, scoped ref int offset, out ReadOnlySpan<byte> field)
    {
        field = default;
        var rest = packet[offset..];
        if (rest.Length < LengthPrefixSize)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(rest);
        if (length == 0 || length > MaxFieldLength || rest.Length - LengthPrefixSize < length)
        {
            return false;
        }

        field = packet.Slice(offset + LengthPrefixSize, length);
        offset += LengthPrefixSize + length;
        return true;
    }

    /// <summary>Writes one u16-length-prefixed field; returns the bytes written.</summary>
    internal static int WriteField(ReadOnlySpan<byte> field, Span<byte> destination)
    {
        if (field.IsEmpty || field.Length > MaxFieldLength)
        {
            throw new ArgumentException($"a handshake field holds 1..{MaxFieldLength} bytes, got {field.Length}", nameof(field));
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)field.Length);
        field.CopyTo(destination[LengthPrefixSize..]);
        return LengthPrefixSize + field.Length;
    }

    internal static int FieldSize(ReadOnlySpan<byte> field) => LengthPrefixSize + field.Length;
}
