namespace PicoTalk.Protocol.Wire;

/// <summary>
/// The one table of datagram types on the appliance's single UDP socket (STYLE.md 3): the first
/// byte of every datagram picks its handler. The DHT, the session layer and media register handlers
/// with <see cref="PacketDispatcher"/>; none of them reads the socket.
/// </summary>
/// <remarks>
/// Values are chosen so that no type collides with the first byte of another protocol that may
/// arrive on the same port: 'd' (0x64) opens every bencoded KRPC dictionary (BEP 5), and the
/// session types sit below 0x20, where no printable text or bencode starts.
/// </remarks>
public enum PacketType : byte
{
    /// <summary>Key request, initiator to responder: ephemeral and identity SPKI, signature.</summary>
    KeyRequest = 0x01,

    /// <summary>Key response, responder to initiator: ephemeral and identity SPKI, transcript signature.</summary>
    KeyResponse = 0x02,

    /// <summary>Key confirmation, initiator to responder: the initiator's transcript signature.</summary>
    KeyConfirm = 0x03,

    /// <summary>Encrypted media: type, 32-bit sequence, 64-bit GCM tag, ciphertext (an Opus frame).</summary>
    Media = 0x10,

    /// <summary>Encrypted control: in-band signalling, stats reports, chat, keepalive.</summary>
    Control = 0x11,

    /// <summary>KRPC, a bencoded dictionary (BEP 5). Handled by the routing layer.</summary>
    Krpc = (byte)'d',
}

/// <summary>Why the dispatcher or a handler dropped a datagram. Each reason has its own counter.</summary>
public enum DropReason
{
    /// <summary>Empty datagram, or a first byte that no handler is registered for.</summary>
    UnknownType,

    /// <summary>Wrong length or an undecodable field (checked before any crypto, STYLE.md 2).</summary>
    Malformed,

    /// <summary>An encrypted packet from an endpoint with no established session.</summary>
    UnknownSession,

    /// <summary>The AEAD tag did not verify: tampered, or sealed under another session's key.</summary>
    AuthenticationFailed,

    /// <summary>A sequence number seen before or older than the replay window.</summary>
    Replayed,

    /// <summary>A handshake that was refused: bad key algorithm, bad signature, wrong identity.</summary>
    HandshakeRejected,

    /// <summary>Dropped by a per-source rate limit or a full table.</summary>
    RateLimited,
}
