using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// KeyResponse (type 0x02), responder to initiator: the second handshake message.
/// </summary>
/// <remarks>
/// <code>
///  0      4        6            6+e      8+e          8+e+i    10+e+i
/// +------+--------+------------+--------+------------+--------+---------+
/// |header| ephLen | eph SPKI   | idLen  | id SPKI    | sigLen | sig     |
/// +------+--------+------------+--------+------------+--------+---------+
///  \_____________ signed part (SignedLength bytes) ___________/
/// </code>
/// sig = ECDSA-P256-SHA256("picotalk/1 key-response" || full KeyRequest || signed part), so it
/// covers both ephemerals, both identities and both message types (SIGMA-style binding: the
/// responder signs the initiator's ephemeral, so a response cannot be replayed into another run).
/// </remarks>
public readonly ref struct KeyResponse
{
    public const int EphemeralLengthOffset = HandshakeHeader.Size;

    public KeyResponse(byte flags, ReadOnlySpan<byte> ephemeralSpki, ReadOnlySpan<byte> identitySpki, ReadOnlySpan<byte> signature)
    {
        Flags = flags;
        EphemeralSpki = ephemeralSpki;
        IdentitySpki = identitySpki;
        Signature = signature;
    }

    public byte Flags { get; }

    public bool IsRekey => (Flags & HandshakeHeader.RekeyFlag) != 0;

    public ReadOnlySpan<byte> EphemeralSpki { get; }

    public ReadOnlySpan<byte> IdentitySpki { get; }

    public ReadOnlySpan<byte> Signature { get; }

    /// <summary>Bytes of the packet before sigLen, which the signature covers (after the request).</summary>
    public int SignedLength =>
        EphemeralLengthOffset + HandshakeHeader.FieldSize(EphemeralSpki) + HandshakeHeader.FieldSize(IdentitySpki);

    public int TotalLength => SignedLength + HandshakeHeader.FieldSize(Signature);

    public static bool TryRead(ReadOnlySpan<byte> packet, out KeyResponse response)
    {
        response = default;
        if (!HandshakeHeader.TryRead(packet, PacketType.KeyResponse, out byte flags))
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

        response = new KeyResponse(flags, ephemeral, identity, signature);
        return true;
    }

    public static int Write(in KeyResponse message, Span<byte> destination)
    {
        int total = message.TotalLength;
        if (destination.Length < total)
        {
            throw new ArgumentException($"a key response needs {total} bytes", nameof(destination));
        }

        HandshakeHeader.Write(PacketType.KeyResponse, message.Flags, destination);
        int offset = EphemeralLengthOffset;
        offset += HandshakeHeader.WriteField(message.EphemeralSpki, destination[offset..]);
        offset += HandshakeHeader.WriteField(message.IdentitySpki, destination[offset..]);
        offset += HandshakeHeader.WriteField(message.Signature, destination[offset..]);
        return offset;
    }
}
