using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// A PicoTalk secure channel: every packet is sealed with secretbox under one key, with nonces from
/// <see cref="ChannelNonce"/> that never repeat (PICOTALK.md "Connection to the server", step 3, and
/// "Inside a room" for the peer-to-peer channel).
/// </summary>
/// <remarks>
/// <code>
/// Stream and peer-to-peer payload:   | tag (16) | ciphertext |
/// UDP payload:  | counter u64 (BE) | tag (16) | ciphertext |
/// </code>
/// The sealed bytes travel as the payload of a Binary packet with src = dst = 0 (client-server)
/// or with the peers' addresses (peer-to-peer). On a stream the receiver expects exactly the next
/// counter: a packet that fails to open means the connection is broken or attacked and must be
/// closed. Over UDP any counter not below the next expected one is accepted (losses skip
/// counters; late, replayed and reordered-behind packets are dropped), and the next expected
/// counter becomes the received one plus one.
/// Not thread-safe: one owner (the event loop) seals and opens.
/// </remarks>
public sealed class SecureChannel : IDisposable
{
    public const int KeySize = Sodium.SecretBoxKeySize;
    public const int CounterSize = sizeof(ulong);

    private readonly byte[] key = new byte[KeySize];
    private readonly ChannelRole peerRole;

    public SecureChannel(ReadOnlySpan<byte> key, ChannelKind kind, ChannelRole ownRole)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"a channel key is {KeySize} bytes", nameof(key));
        }

        if (ownRole is not (ChannelRole.Initiator or ChannelRole.Responder) || !Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(ownRole));
        }

        key.CopyTo(this.key);
        Kind = kind;
        OwnRole = ownRole;
        peerRole = ownRole == ChannelRole.Initiator ? ChannelRole.Responder : ChannelRole.Initiator;
    }

    public ChannelKind Kind { get; }

    public ChannelRole OwnRole { get; }

    /// <summary>The counter the next sealed packet will carry (from 1).</summary>
    public ulong NextSendCounter { get; private set; } = 1;

    /// <summary>The lowest counter the next opened packet may carry (from 1).</summary>
    public ulong NextReceiveCounter { get; private set; } = 1;

    /// <summary>Bytes a sealed payload adds to its plaintext: the tag, and on UDP the counter.</summary>
    public int Overhead => Sodium.MacSize + (Kind == ChannelKind.Udp ? CounterSize : 0);

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="destination"/>; returns the sealed size (plaintext + <see cref="Overhead"/>).</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        int size = plaintext.Length + Overhead;
        if (destination.Length < size)
        {
            throw new ArgumentException($"needs {size} bytes", nameof(destination));
        }

        if (NextSendCounter == ulong.MaxValue)
        {
            // 2^64 - 1 packets: unreachable in practice; never let the counter wrap to a used nonce.
            throw new InvalidOperationException("channel counter exhausted");
        }

        ulong counter = NextSendCounter++;
        Span<byte> nonce = stackalloc byte[ChannelNonce.Size];
        ChannelNonce.Write(Kind, OwnRole, counter, nonce);
        int offset = 0;
        if (Kind == ChannelKind.Udp)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, counter);
            offset = CounterSize;
        }

        Sodium.SecretBoxSeal(plaintext, nonce, key, destination.Slice(offset, plaintext.Length + Sodium.MacSize));
        return size;
    }

    /// <summary>
    /// Seals an inner packet and writes it as a whole Binary packet with src = dst = 0 (the
    /// client-server form); returns the packet size.
    /// </summary>
    public int SealPacket(ReadOnlySpan<byte> innerPacket, Span<byte> destination) => SealPacket(innerPacket, 0, 0, destination);

    /// <summary>Seals <paramref name="plaintext"/> as the payload of a Binary packet from <paramref name="src"/> to <paramref name="dst"/>.</summary>
    public int SealPacket(ReadOnlySpan<byte> plaintext, ushort src, ushort dst, Span<byte> destination)
    {
        int payloadLength = plaintext.Length + Overhead;
        RoomPacket.WriteHeader(RoomPacketType.Binary, src, dst, payloadLength, destination);
        return RoomPacket.HeaderSize + Seal(plaintext, destination[RoomPacket.HeaderSize..]);
    }

    /// <summary>
    /// Opens a sealed payload into <paramref name="plaintext"/> (at least payload − <see cref="Overhead"/>
    /// bytes). False, counters unchanged and output cleared, if it is too short, forged, replayed or
    /// out of order.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> payload, Span<byte> plaintext, out int written)
    {
        written = 0;
        if (payload.Length < Overhead)
        {
            return false;
        }

        ulong counter = NextReceiveCounter;
        var sealedBox = payload;
        if (Kind == ChannelKind.Udp)
        {
            counter = BinaryPrimitives.ReadUInt64BigEndian(payload);
            if (counter < NextReceiveCounter || counter == ulong.MaxValue)
            {
                return false;
            }

            sealedBox = payload[CounterSize..];
        }

        int length = sealedBox.Length - Sodium.MacSize;
        if (plaintext.Length < length)
        {
            throw new ArgumentException($"needs {length} bytes", nameof(plaintext));
        }

        Span<byte> nonce = stackalloc byte[ChannelNonce.Size];
        ChannelNonce.Write(Kind, peerRole, counter, nonce);
        if (!Sodium.TrySecretBoxOpen(sealedBox, nonce, key, plaintext[..length]))
        {
            return false;
        }

        NextReceiveCounter = counter + 1;
        written = length;
        return true;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(key);
}
