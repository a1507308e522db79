using System.Buffers.Binary;
using System.Security.Cryptography;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>Called with the key and nonce of every packet sealed, so a test can prove no pair repeats.</summary>
internal delegate void SealAudit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce);

/// <summary>Outcome of opening a sealed packet with one key set.</summary>
internal enum OpenResult
{
    Opened,
    Replayed,
    AuthenticationFailed,
}

/// <summary>
/// The four stream keys of one handshake, derived as DESIGN.md "Crypto rules" asks:
/// <code>
/// shared     = ECDH(P-256) raw x-coordinate
/// transcript = SHA-256(KeyRequest || KeyResponse)
/// PRK        = HKDF-Extract(salt = transcript, IKM = shared)                 (RFC 5869 §2.2)
/// OKM        = HKDF-Expand(PRK, "picotalk/1 session keys", 128)              (RFC 5869 §2.3)
///            = key[0] i->r media | key[1] r->i media | key[2] i->r control | key[3] r->i control
/// nonce      = stream index u8 | 7 zero bytes | sequence u32                  (12 bytes)
/// </code>
/// One key per stream and a distinct nonce prefix per stream, each stream's sequence starting at 1
/// and strictly increasing: no (key, nonce) pair can repeat (the reference code's defect, see
/// DESIGN.md). Dispose zeroes every key.
/// </summary>
internal sealed class SessionKeys : IDisposable
{
    public const int StreamCount = 4;
    public const int OutputKeyMaterialSize = StreamCount * Gcm64.KeySize;

    public const byte InitiatorMediaStream = 0;
    public const byte ResponderMediaStream = 1;
    public const byte InitiatorControlStream = 2;
    public const byte ResponderControlStream = 3;

    private static ReadOnlySpan<byte> KeyInfo => "picotalk/1 session keys"u8;

    private SessionKeys(StreamCipher[] ciphers, bool isInitiator)
    {
        MediaOut = new SendStream(ciphers[isInitiator ? InitiatorMediaStream : ResponderMediaStream]);
        MediaIn = new InboundStream(ciphers[isInitiator ? ResponderMediaStream : InitiatorMediaStream]);
        ControlOut = new SendStream(ciphers[isInitiator ? InitiatorControlStream : ResponderControlStream]);
        ControlIn = new InboundStream(ciphers[isInitiator ? ResponderControlStream : InitiatorControlStream]);
    }

    public SendStream MediaOut { get; }

    public SendStream ControlOut { get; }

    public InboundStream MediaIn { get; }

    public InboundStream ControlIn { get; }

    /// <summary>The highest sequence in any of the four streams (drives rekeying).</summary>
    public uint HighestSequence => Math.Max(
        Math.Max(MediaOut.LastSequence, ControlOut.LastSequence),
        Math.Max(MediaIn.Window.Highest, ControlIn.Window.Highest));

    public static SessionKeys Derive(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> transcriptHash, bool isInitiator)
    {
        Span<byte> prk = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> okm = stackalloc byte[OutputKeyMaterialSize];
        try
        {
            HKDF.Extract(HashAlgorithmName.SHA256, sharedSecret, transcriptHash, prk);
            HKDF.Expand(HashAlgorithmName.SHA256, prk, okm, KeyInfo);
            var ciphers = new StreamCipher[StreamCount];
            for (int i = 0; i < StreamCount; i++)
            {
                ciphers[i] = new StreamCipher((byte)i, okm.Slice(i * Gcm64.KeySize, Gcm64.KeySize));
            }

            return new SessionKeys(ciphers, isInitiator);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    public SendStream Out(PacketType type) => type == PacketType.Media ? MediaOut : ControlOut;

    public InboundStream In(PacketType type) => type == PacketType.Media ? MediaIn : ControlIn;

    public void Dispose()
    {
        MediaOut.Cipher.Dispose();
        ControlOut.Cipher.Dispose();
        MediaIn.Cipher.Dispose();
        ControlIn.Cipher.Dispose();
    }
}

/// <summary>One stream's key, its AES-GCM instance and its nonce prefix.</summary>
internal sealed class StreamCipher : IDisposable
{
    private const int NonceSequenceOffset = 8;

    private readonly byte[] _key;
    private readonly AesGcm _aes;
    private bool _disposed;

    public StreamCipher(byte streamIndex, ReadOnlySpan<byte> key)
    {
        StreamIndex = streamIndex;
        _key = key.ToArray();
        _aes = Gcm64.CreateCipher(_key);
    }

    public byte StreamIndex { get; }

    public AesGcm Aes => _aes;

    public ReadOnlySpan<byte> Key => _key;

    public bool IsDisposed => _disposed;

    public void WriteNonce(uint sequence, Span<byte> nonce)
    {
        nonce[0] = StreamIndex;
        nonce[1..NonceSequenceOffset].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NonceSequenceOffset..], sequence);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_key);
            _aes.Dispose();
        }
    }
}

/// <summary>The sending half of a stream: its cipher and the last sequence sealed.</summary>
internal sealed class SendStream
{
    public SendStream(StreamCipher cipher) => Cipher = cipher;

    public StreamCipher Cipher { get; }

    public uint LastSequence { get; private set; }

    /// <summary>
    /// Seals <paramref name="payload"/> as one packet into <paramref name="destination"/>. Refuses
    /// (false) once <see cref="LastSequence"/> reached <paramref name="sequenceLimit"/>, so the
    /// 32-bit sequence, and with it the nonce, can never wrap under one key.
    /// </summary>
    public bool TrySeal(PacketType type, ReadOnlySpan<byte> payload, Span<byte> destination, uint sequenceLimit,
        SealAudit? audit, out int written)
    {
        written = 0;
        if (LastSequence >= sequenceLimit || Cipher.IsDisposed)
        {
            return false;
        }

        uint sequence = LastSequence + 1;
        LastSequence = sequence;
        SealedPacket.WriteHeader(type, sequence, destination);
        Span<byte> nonce = stackalloc byte[Gcm64.NonceSize];
        Cipher.WriteNonce(sequence, nonce);
        audit?.Invoke(Cipher.Key, nonce);
        Gcm64.Seal(Cipher.Aes, nonce, payload,
            destination.Slice(SealedPacket.CiphertextOffset, payload.Length),
            destination.Slice(SealedPacket.TagOffset, Gcm64.TagSize),
            destination[..SealedPacket.AadSize]);
        written = SealedPacket.Overhead + payload.Length;
        return true;
    }
}

/// <summary>The receiving half of a stream: its cipher and replay window.</summary>
internal sealed class InboundStream
{
    public InboundStream(StreamCipher cipher) => Cipher = cipher;

    public StreamCipher Cipher { get; }

    public ReplayWindow Window { get; } = new();

    /// <summary>Replay pre-check, authenticate and decrypt, then mark the window (only on success).</summary>
    public OpenResult TryOpen(in SealedPacket packet, Span<byte> plaintext)
    {
        if (!Window.IsAcceptable(packet.Sequence))
        {
            return OpenResult.Replayed;
        }

        Span<byte> nonce = stackalloc byte[Gcm64.NonceSize];
        Cipher.WriteNonce(packet.Sequence, nonce);
        if (Cipher.IsDisposed
            || !Gcm64.TryOpen(Cipher.Aes, nonce, packet.Ciphertext, packet.Tag, plaintext[..packet.Ciphertext.Length], packet.Aad))
        {
            return OpenResult.AuthenticationFailed;
        }

        Window.Mark(packet.Sequence);
        return OpenResult.Opened;
    }
}
