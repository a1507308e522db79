namespace PicoTalk.Protocol.Rooms;

/// <summary>Which end of a channel we are: the value that goes into <see cref="ChannelNonce"/>.</summary>
public enum ChannelRole : byte
{
    Initiator = 1,
    Responder = 2,
}

/// <summary>
/// The client-server key exchange of PicoTalk v0.0.20 (PICOTALK.md "Connection to the server",
/// step 2): a triple Diffie-Hellman over identity and ephemeral X25519 keys, sent by both sides at
/// once in a Binary packet.
/// </summary>
/// <remarks>
/// <code>
/// Binary payload (64 bytes):
/// +---------------------------+---------------------------+
/// | identity public key (32)  | ephemeral public key (32) |
/// +---------------------------+---------------------------+
///
/// b1 = box_beforenm(their ephemeral, own identity secret)
/// b2 = box_beforenm(their identity,  own ephemeral secret)
/// b3 = box_beforenm(their ephemeral, own ephemeral secret)
/// initiator (client): key = SHA-512(b1 || b2 || b3)[0..32)
/// responder (server): key = SHA-512(b2 || b1 || b3)[0..32)
/// </code>
/// The client's b1 is DH(client identity, server ephemeral), which is the server's b2, and so on,
/// so both orders hash the same three values. A point of small order from the peer makes libsodium
/// refuse the box key, and the handshake fails instead of yielding a key the peer can predict.
/// </remarks>
public sealed class TransportHandshake : IDisposable
{
    public const int HelloSize = 2 * X25519KeyPair.KeySize;
    public const int KeySize = 32;

    private readonly X25519KeyPair identity;
    private readonly X25519KeyPair ephemeral;
    private readonly byte[] theirIdentity = new byte[X25519KeyPair.KeySize];

    /// <param name="role">Initiator for the client, responder for the server.</param>
    /// <param name="identity">Our identity key; the caller keeps ownership (our server's is persistent).</param>
    public TransportHandshake(ChannelRole role, X25519KeyPair identity)
        : this(role, identity, X25519KeyPair.Generate())
    {
    }

    /// <summary>With a given ephemeral key, for tests with fixed keys; this object then owns it.</summary>
    internal TransportHandshake(ChannelRole role, X25519KeyPair identity, X25519KeyPair ephemeral)
    {
        if (role is not (ChannelRole.Initiator or ChannelRole.Responder))
        {
            throw new ArgumentOutOfRangeException(nameof(role));
        }

        Role = role;
        this.identity = identity;
        this.ephemeral = ephemeral;
    }

    public ChannelRole Role { get; }

    /// <summary>The peer's identity public key, once <see cref="TryComplete"/> has succeeded (for pinning).</summary>
    public ReadOnlySpan<byte> TheirIdentity => theirIdentity;

    /// <summary>Writes our Binary payload: identity public key || ephemeral public key.</summary>
    public void WriteHello(Span<byte> payload)
    {
        if (payload.Length != HelloSize)
        {
            throw new ArgumentException($"the hello is {HelloSize} bytes", nameof(payload));
        }

        identity.PublicKey.CopyTo(payload);
        ephemeral.PublicKey.CopyTo(payload[X25519KeyPair.KeySize..]);
    }

    /// <summary>
    /// Derives the channel key from the peer's Binary payload. False if the payload is not 64 bytes
    /// or holds a key of small order; the ephemeral secret is wiped either way (one use only).
    /// </summary>
    public bool TryComplete(ReadOnlySpan<byte> theirHello, Span<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"the key is {KeySize} bytes", nameof(key));
        }

        try
        {
            if (theirHello.Length != HelloSize)
            {
                return false;
            }

            var identityPart = theirHello[..X25519KeyPair.KeySize];
            if (!TryDeriveKey(Role, identity.Secret, ephemeral.Secret, identityPart, theirHello[X25519KeyPair.KeySize..], key))
            {
                return false;
            }

            identityPart.CopyTo(theirIdentity);
            return true;
        }
        finally
        {
            ephemeral.Dispose();
        }
    }

    /// <summary>The key derivation alone, over raw keys (see the remarks of the class).</summary>
    public static bool TryDeriveKey(ChannelRole role, ReadOnlySpan<byte> ownIdentitySecret, ReadOnlySpan<byte> ownEphemeralSecret,
        ReadOnlySpan<byte> theirIdentity, ReadOnlySpan<byte> theirEphemeral, Span<byte> key)
    {
        Span<byte> boxKeys = stackalloc byte[3 * Sodium.BoxKeySize];
        // Hashed in this order: initiator b1 || b2 || b3, responder b2 || b1 || b3.
        Span<byte> first = boxKeys[..32];
        Span<byte> second = boxKeys[32..64];
        Span<byte> b3 = boxKeys[64..];
        bool initiator = role == ChannelRole.Initiator;
        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        try
        {
            // b1 (own identity, their ephemeral) and b2 (own ephemeral, their identity).
            if (!Sodium.TryBoxBeforeNm(theirEphemeral, ownIdentitySecret, initiator ? first : second)
                || !Sodium.TryBoxBeforeNm(theirIdentity, ownEphemeralSecret, initiator ? second : first)
                || !Sodium.TryBoxBeforeNm(theirEphemeral, ownEphemeralSecret, b3))
            {
                key.Clear();
                return false;
            }

            Sodium.Sha512(boxKeys, digest);
            digest[..KeySize].CopyTo(key);
            return true;
        }
        finally
        {
            boxKeys.Clear();
            digest.Clear();
        }
    }

    public void Dispose() => ephemeral.Dispose();
}
