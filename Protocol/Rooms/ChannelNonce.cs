using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>The channel byte of a <see cref="ChannelNonce"/> (PICOTALK.md "Connection to the server", step 3).</summary>
public enum ChannelKind : byte
{
    /// <summary>Between two peers, inside Binary packets the server routes.</summary>
    PeerToPeer = 0,

    /// <summary>Client-server over TCP or WebSocket: packets arrive in order, none lost.</summary>
    Stream = 1,

    /// <summary>Client-server over UDP: packets may be lost or reordered, so the counter travels with them.</summary>
    Udp = 2,
}

/// <summary>
/// The 24-byte XSalsa20 nonce of a secure channel.
/// </summary>
/// <remarks>
/// <code>
///  0         1        2                                  10                         24
/// +---------+--------+-------- ... --------+-------- ... ---------+
/// | channel |  role  |   counter u64 (BE)  |  14 zero bytes       |
/// +---------+--------+-------- ... --------+-------- ... ---------+
/// </code>
/// The role is the SENDER's: the initiator seals with role 1 and opens with role 2, the responder
/// the other way round. Each direction counts from 1, so without the role both directions would use
/// the same nonces under the one key. (The sender's role is our reading of PICOTALK.md; to confirm
/// against a real PicoTalk client.)
/// </remarks>
public static class ChannelNonce
{
    public const int Size = Sodium.NonceSize;
    private const int CounterOffset = 2;

    public static void Write(ChannelKind channel, ChannelRole senderRole, ulong counter, Span<byte> nonce)
    {
        if (nonce.Length != Size)
        {
            throw new ArgumentException($"a nonce is {Size} bytes", nameof(nonce));
        }

        nonce.Clear();
        nonce[0] = (byte)channel;
        nonce[1] = (byte)senderRole;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[CounterOffset..], counter);
    }
}
