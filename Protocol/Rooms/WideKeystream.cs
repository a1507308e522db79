using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The key stream of our wide lanes (WideAudio; PICOTALK.md "Its gaps": sums must not wrap): the
/// same XSalsa20 stream as <see cref="AudioKeystream"/>, read further.
/// </summary>
/// <remarks>
/// <code>
/// XSalsa20(audio key, nonce = peer_id u16 | frame nonce u32 | 18 zero bytes):
///   bytes    0 ..   32  Poly1305 key of secretbox (unused, as in PicoTalk)
///   bytes   32 .. 1056  narrow16[0..512]  = PicoTalk's key stream, u16 LE
///   bytes 1056 .. 2080  high16[0..512]    u16 LE
///   bytes 2080 .. 2088  mask              u64 LE, reduced mod 2^61 − 1 (<see cref="MixMac"/>)
/// lane i = narrow16[i] | high16[i] &lt;&lt; 16;   wide ciphertext lane = sample + lane (mod 2^32)
/// </code>
/// The low 16 bits of a wide ciphertext lane are the PicoTalk ciphertext of the same sample with
/// the same key and nonce, so the server can narrow a wide frame (or a sum of them) for a PicoTalk
/// listener, who decrypts it as usual. Nothing here allocates.
/// </remarks>
public static class WideKeystream
{
    public const int LanesSize = AudioKeystream.SamplesPerFrame * sizeof(uint);

    private const int Samples = AudioKeystream.SamplesPerFrame;
    private const int NarrowOffset = 32;
    private const int HighOffset = NarrowOffset + AudioKeystream.FrameBytes;
    private const int MaskOffset = HighOffset + AudioKeystream.FrameBytes;
    private const int StreamBytes = MaskOffset + sizeof(ulong);

    /// <summary>The 512 lanes of key stream and the frame's one-time MAC mask (for tests and tools).</summary>
    public static ulong Generate(ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<uint> lanes)
    {
        RequireLanes(lanes.Length);
        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        for (int i = 0; i < Samples; i++)
        {
            lanes[i] = Lane(stream, i);
        }

        ulong mask = Mask(stream);
        stream.Clear();
        return mask;
    }

    /// <summary>Encrypts 512 samples into 2,048 bytes of u32 LE lanes; returns the frame's MAC mask.</summary>
    public static ulong Encrypt(ReadOnlySpan<short> samples, ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> lanes)
    {
        RequireLanes(samples.Length);
        if (lanes.Length != LanesSize)
        {
            throw new ArgumentException($"wide lanes are {LanesSize} bytes", nameof(lanes));
        }

        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        for (int i = 0; i < Samples; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(lanes[(4 * i)..], unchecked((uint)samples[i] + Lane(stream, i)));
        }

        ulong mask = Mask(stream);
        stream.Clear();
        return mask;
    }

    /// <summary>Subtracts one sender's lanes from a (mixed) sum in place; returns that sender's MAC mask.</summary>
    public static ulong Subtract(Span<uint> sum, ReadOnlySpan<byte> key, ushort peerId, uint frameNonce)
    {
        RequireLanes(sum.Length);
        Span<byte> stream = stackalloc byte[StreamBytes];
        Fill(key, peerId, frameNonce, stream);
        for (int i = 0; i < Samples; i++)
        {
            sum[i] = unchecked(sum[i] - Lane(stream, i));
        }

        ulong mask = Mask(stream);
        stream.Clear();
        return mask;
    }

    private static uint Lane(ReadOnlySpan<byte> stream, int i) =>
        BinaryPrimitives.ReadUInt16LittleEndian(stream[(NarrowOffset + (2 * i))..])
        | ((uint)BinaryPrimitives.ReadUInt16LittleEndian(stream[(HighOffset + (2 * i))..]) << 16);

    private static ulong Mask(ReadOnlySpan<byte> stream) => Gf61.Reduce(BinaryPrimitives.ReadUInt64LittleEndian(stream[MaskOffset..]));

    private static void Fill(ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> stream)
    {
        Span<byte> nonce = stackalloc byte[Sodium.NonceSize];
        AudioKeystream.WriteNonce(peerId, frameNonce, nonce);
        Sodium.XSalsa20Stream(nonce, key, stream);
    }

    private static void RequireLanes(int count)
    {
        if (count != Samples)
        {
            throw new ArgumentException($"a frame is {Samples} samples");
        }
    }
}
