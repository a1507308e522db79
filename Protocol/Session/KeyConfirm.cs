using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// KeyConfirm (type 0x03), initiator to responder: the third handshake message. Only a valid
/// confirm turns the responder's half-open state into a session, which is why a recorded
/// KeyRequest replayed later never makes the appliance ring (DESIGN.md "Crypto rules").
/// </summary>
/// <remarks>
/// <code>
///  0      4        6
/// +------+--------+---------+
/// |header| sigLen | sig     |
/// +------+--------+---------+
/// </code>
/// sig = ECDSA-P256-SHA256("picotalk/1 key-confirm" || full KeyRequest || full KeyResponse): the
/// initiator proves it holds its identity key for THIS run, i.e. for the responder's fresh ephemeral.
/// </remarks>
public readonly ref struct KeyConfirm
{
    public const int SignatureLengthOffset = HandshakeHeader.Size;

    public KeyConfirm(byte flags, ReadOnlySpan<byte> signature)
    {
        Flags = flags;
        Signature = signature;
    }

    public byte Flags { get; }

    public bool IsRekey => (Flags & HandshakeHeader.RekeyFlag) != 0;

    public ReadOnlySpan<byte> Signature { get; }

    public int TotalLength => SignatureLengthOffset + HandshakeHeader.FieldSize(Signature);

    public static bool TryRead(ReadOnlySpan<byte> packet, out KeyConfirm confirm)
    {
        confirm = default;
        if (!HandshakeHeader.TryRead(packet, PacketType.KeyConfirm, out byte flags))
        {
            return false;
        }

        int offset = SignatureLengthOffset;
        if (!HandshakeHeader.TryReadField(packet, ref offset, out var signature) || offset != packet.Length)
        {
            return false;
        }

        confirm = new KeyConfirm(flags, signature);
        return true;
    }

    public static int Write(in KeyConfirm message, Span<byte> destination)
    {
        int total = message.TotalLength;
        if (destination.Length < total)
        {
            throw new ArgumentException($"a key confirm needs {total} bytes", nameof(destination));
        }

        HandshakeHeader.Write(PacketType.KeyConfirm, message.Flags, destination);
        return SignatureLengthOffset + HandshakeHeader.WriteField(message.Signature, destination[SignatureLengthOffset..]);
    }
}
