using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// KeyRequest (type 0x01), initiator to responder: the first handshake message.
/// </summary>
/// <remarks>
/// <code>
///  0      4                    24       26           26+e     28+e         28+e+i   30+e+i
/// +------+--------------------+--------+------------+--------+------------+--------+---------+
/// |header| target NodeId (20) | ephLen | eph SPKI   | idLen  | id SPKI    | sigLen | sig     |
/// +------+--------------------+--------+------------+--------+------------+--------+---------+
///  \_______________________ signed part (SignedLength bytes) _______________/
/// </code>
/// target = the dialed ID, or all zeros for "whoever answers at this address".
/// sig = ECDSA-P256-SHA256("picotalk/1 key-request" || signed part), IEEE P1363 (DESIGN.md
/// "Crypto rules": the signature covers the message type, the ephemeral and the identity).
/// </remarks>
public readonly ref struct KeyRequest
{
    public const int TargetOffset = HandshakeHeader.Size;
    public const int EphemeralLengthOffset = TargetOffset + NodeId.Size;

    public KeyRequest(byte flags, NodeId target, ReadOnlySpan<byte> ephemeralSpki, ReadOnlySpan<byte> identitySpki,
        ReadOnlySpan<byte> signature)
    {
        Flags = flags;
        Target = target;
        EphemeralSpki = ephemeralSpki;
        IdentitySpki = identitySpki;
        Signature = signature;
    }

    public byte Flags { get; }

    public bool IsRekey => (Flags & HandshakeHeader.RekeyFlag) != 0;

    public NodeId Target { get; }

    public ReadOnlySpan<byte> EphemeralSpki { get; }

    public ReadOnlySpan<byte> IdentitySpki { get; }

    public ReadOnlySpan<byte> Signature { get; }

    /// <summary>Bytes of the packet before sigLen, which the signature covers.</summary>
    public int SignedLength =>
        EphemeralLengthOffset + HandshakeHeader.FieldSize(EphemeralSpki) + HandshakeHeader.FieldSize(IdentitySpki);

    public int TotalLength => SignedLength + HandshakeHeader.FieldSize(Signature);

    /// <summary>Parses a whole datagram; false for any wrong length, header or trailing byte.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out KeyRequest request)
    {
        request = default;
        if (!HandshakeHeader.TryRead(packet, PacketType.KeyRequest, out byte flags)
            || packet.Length < EphemeralLengthOffset)
        {
            return false;
        }

        int offset = EphemeralLengthOffset;
        if (!HandshakeHeader.TryReadField(packet, ref offset, out var ephemeral)
            || !HandshakeHeader.TryReadField(packet, ref offset, out var identity)
            || !HandshakeHeader.TryReadField(packet, ref offset, out var signature)
            || offset != packet.Length)
        {
            return false;
        }

        request = new KeyRequest(flags, NodeId.Read(packet[TargetOffset..]), ephemeral, identity, signature);
        return true;
    }

    /// <summary>Writes the message; returns its length. Throws if <paramref name="destination"/> is too small.</summary>
    public static int Write(in KeyRequest message, Span<byte> destination)
    {
        int total = message.TotalLength;
        if (destination.Length < total)
        {
            throw new ArgumentException($"a key request needs {total} bytes", nameof(destination));
        }

        HandshakeHeader.Write(PacketType.KeyRequest, message.Flags, destination);
        message.Target.WriteTo(destination[TargetOffset..]);
        int offset = EphemeralLengthOffset;
        offset += HandshakeHeader.WriteField(message.EphemeralSpki, destination[offset..]);
        offset += HandshakeHeader.WriteField(message.IdentitySpki, destination[offset..]);
        offset += HandshakeHeader.WriteField(message.Signature, destination[offset..]);
        return offset;
    }
}
