using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// PicoTalk's additive audio encryption (PICOTALK.md "Audio"): each 512-sample frame gets a
/// key stream added to it sample by sample, mod 2^16, so that a server can sum frames without
/// hearing them and a listener subtracts every sender's key stream from the sum.
/// </summary>
/// <remarks>
/// <code>
/// nonce (24):  | peer_id u16 (BE) | frame nonce u32 (BE) | 18 zero bytes |
/// key stream:  secretbox(1024 zero bytes, nonce, audio key) without its 16-byte tag
///            = XSalsa20(audio key, nonce) bytes 32..1056 (the first 32 key Poly1305)
///            read as 512 int16 little-endian
/// encrypted sample = sample + key stream (mod 2^16); decrypted = sum − Σ key streams (mod 2^16)
/// </code>
/// Nothing here allocates: the key stream lives on the stack (1,056 bytes).
/// </remarks>
public static class AudioKeystream
{
    public const int SamplesPerFrame = 512;
    public const int FrameBytes = SamplesPerFrame * sizeof(short);
    public const int KeySize = 32;

    // Secretbox spends the first 32 bytes of the XSalsa20 stream on the Poly1305 key.
    private const int PolyKeyBytes = 32;
    private const int StreamBytes = PolyKeyBytes + FrameBytes;

    /// <summary>Writes the 24-byte nonce of one sender's frame.</summary>
    public static void WriteNonce(ushort peerId, uint frameNonce, Span<byte> nonce)
    {
        if (nonce.Length != Sodium.NonceSize)
        {
            throw new ArgumentException($"a nonce is {Sodium.NonceSize} bytes", nameof(nonce));
        }

        nonce.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(nonce, peerId);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[sizeof(ushort)..], frameNonce);
    }

    /// <summary>The 1,024 key stream bytes of a frame.</summary>
    public static void Generate(ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> keystream)
    {
        if (keystream.Length != FrameBytes)
        {
            throw new ArgumentException($"a frame's key stream is {FrameBytes} bytes", nameof(keystream));
        }

        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        stream[PolyKeyBytes..].CopyTo(keystream);
        stream.Clear();
    }

    /// <summary>Encrypts 512 samples into the 1,024 bytes a sender puts before its tag.</summary>
    public static void Encrypt(ReadOnlySpan<short> samples, ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> encrypted)
    {
        RequireFrame(samples.Length, encrypted.Length);
        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        var keystream = stream[PolyKeyBytes..];
        for (int i = 0; i < SamplesPerFrame; i++)
        {
            int at = 2 * i;
            ushort k = BinaryPrimitives.ReadUInt16LittleEndian(keystream[at..]);
            BinaryPrimitives.WriteUInt16LittleEndian(encrypted[at..], unchecked((ushort)((ushort)samples[i] + k)));
        }

        stream.Clear();
    }

    /// <summary>Subtracts one sender's key stream from a (mixed) frame of 1,024 bytes, in place.</summary>
    public static void Subtract(Span<byte> frame, ReadOnlySpan<byte> key, ushort peerId, uint frameNonce)
    {
        if (frame.Length != FrameBytes)
        {
            throw new ArgumentException($"a frame is {FrameBytes} bytes", nameof(frame));
        }

        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        var keystream = stream[PolyKeyBytes..];
        for (int at = 0; at < FrameBytes; at += 2)
        {
            ushort k = BinaryPrimitives.ReadUInt16LittleEndian(keystream[at..]);
            ushort v = BinaryPrimitives.ReadUInt16LittleEndian(frame[at..]);
            BinaryPrimitives.WriteUInt16LittleEndian(frame[at..], unchecked((ushort)(v - k)));
        }

        stream.Clear();
    }

    /// <summary>Reads 1,024 bytes of (decrypted) frame as 512 int16 little-endian samples.</summary>
    public static void ToSamples(ReadOnlySpan<byte> frame, Span<short> samples)
    {
        RequireFrame(samples.Length, frame.Length);
        for (int i = 0; i < SamplesPerFrame; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(frame[(2 * i)..]);
        }
    }

    private static void Fill(ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> stream)
    {
        Span<byte> nonce = stackalloc byte[Sodium.NonceSize];
        WriteNonce(peerId, frameNonce, nonce);
        Sodium.XSalsa20Stream(nonce, key, stream);
    }

    private static void RequireFrame(int samples, int bytes)
    {
        if (samples != SamplesPerFrame || bytes != FrameBytes)
        {
            throw new ArgumentException($"a frame is {SamplesPerFrame} samples in {FrameBytes} bytes");
        }
    }
}
