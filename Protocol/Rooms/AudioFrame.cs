using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>Who encrypted a frame and with which frame nonce: what a listener needs to subtract its key stream.</summary>
public readonly record struct AudioTag(ushort PeerId, uint Nonce)
{
    public const int Size = 6;

    public static AudioTag Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt16BigEndian(source), BinaryPrimitives.ReadUInt32BigEndian(source[sizeof(ushort)..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, PeerId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[sizeof(ushort)..], Nonce);
    }
}

/// <summary>The audio keys a listener holds, by sender (each peer's key from its <c>audio_encryption_key</c>).</summary>
public interface IAudioKeyRing
{
    /// <summary>The 32-byte audio key of <paramref name="peerId"/>, or an empty span if unknown.</summary>
    ReadOnlySpan<byte> KeyOf(ushort peerId);

    /// <summary>The key that encrypted the frame <paramref name="tag"/> names: with rotated keys
    /// (<see cref="AudioKeyRing"/>) it depends on the nonce; by default the sender's one key.</summary>
    ReadOnlySpan<byte> KeyFor(AudioTag tag) => KeyOf(tag.PeerId);
}

/// <summary>
/// The payload of an AudioFrame packet (PICOTALK.md "Audio").
/// </summary>
/// <remarks>
/// <code>
/// +---------------- 1024 ----------------+---- 6 ----+---- 6 ----+
/// | encrypted samples (sum), int16 LE    |  tag 1    |  tag 2    | ...
/// +--------------------------------------+-----------+-----------+
/// tag: | peer_id u16 (BE) | nonce u32 (BE) |
/// </code>
/// A client sends one tag (its own; dst 1). The server sends each peer the sum of the others'
/// frames and all their tags; a peer alone receives the 1,024 bytes with no tags.
/// </remarks>
public static class AudioFrame
{
    public const int SamplesSize = AudioKeystream.FrameBytes;
    public const int ClientFrameSize = SamplesSize + AudioTag.Size;
    public const int MaxTags = (RoomPacket.MaxPayloadLength - SamplesSize) / AudioTag.Size;

    /// <summary>True if <paramref name="payload"/> is 1,024 bytes followed by whole tags; gives their count.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int tagCount)
    {
        int rest = payload.Length - SamplesSize;
        if (rest < 0 || rest % AudioTag.Size != 0 || rest / AudioTag.Size > MaxTags)
        {
            tagCount = 0;
            return false;
        }

        tagCount = rest / AudioTag.Size;
        return true;
    }

    /// <summary>The tag at <paramref name="index"/> of a payload <see cref="TryRead"/> accepted.</summary>
    public static AudioTag TagAt(ReadOnlySpan<byte> payload, int index) => AudioTag.Read(payload[(SamplesSize + (index * AudioTag.Size))..]);

    /// <summary>Encrypts 512 samples and writes a client's frame (1,030 bytes); returns its size.</summary>
    public static int WriteClientFrame(ReadOnlySpan<short> samples, ReadOnlySpan<byte> key, ushort peerId, uint frameNonce, Span<byte> destination)
    {
        if (destination.Length < ClientFrameSize)
        {
            throw new ArgumentException($"needs {ClientFrameSize} bytes", nameof(destination));
        }

        AudioKeystream.Encrypt(samples, key, peerId, frameNonce, destination[..SamplesSize]);
        new AudioTag(peerId, frameNonce).Write(destination[SamplesSize..]);
        return ClientFrameSize;
    }

    /// <summary>
    /// Decrypts a (mixed) frame into 512 samples. False if the payload is malformed or a tag names a
    /// sender whose key we do not hold: such a frame must be treated as lost, not played
    /// (PICOTALK.md "Audio"). <paramref name="samples"/> is cleared then.
    /// </summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> payload, IAudioKeyRing keys, Span<short> samples)
    {
        if (!TryRead(payload, out int tagCount))
        {
            samples.Clear();
            return false;
        }

        Span<byte> frame = stackalloc byte[SamplesSize];
        payload[..SamplesSize].CopyTo(frame);
        for (int i = 0; i < tagCount; i++)
        {
            var tag = TagAt(payload, i);
            var key = keys.KeyFor(tag);
            if (key.Length != AudioKeystream.KeySize)
            {
                samples.Clear();
                return false;
            }

            AudioKeystream.Subtract(frame, key, tag.PeerId, tag.Nonce);
        }

        AudioKeystream.ToSamples(frame, samples);
        return true;
    }
}
