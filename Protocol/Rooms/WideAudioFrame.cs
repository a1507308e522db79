using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>A wide frame's tag: an <see cref="AudioTag"/> and the epoch of the sender's key (KeyRotation).</summary>
public readonly record struct WideAudioTag(ushort PeerId, uint Nonce, byte Epoch)
{
    /// <summary>The PicoTalk tag (6 bytes) then the epoch: the narrow tag is a prefix of the wide one.</summary>
    public const int Size = AudioTag.Size + 1;

    public static WideAudioTag Read(ReadOnlySpan<byte> source)
    {
        var tag = AudioTag.Read(source);
        return new(tag.PeerId, tag.Nonce, source[AudioTag.Size]);
    }

    public void Write(Span<byte> destination)
    {
        new AudioTag(PeerId, Nonce).Write(destination);
        destination[AudioTag.Size] = Epoch;
    }
}

/// <summary>What opening a wide mix gave.</summary>
public enum WideMixResult
{
    /// <summary>Decrypted and the integrity tag matched: play it.</summary>
    Verified,

    /// <summary>Not 2,056 bytes plus whole tags.</summary>
    Malformed,

    /// <summary>A tag names a sender or key epoch we do not hold (yet): lost, not played, no alarm.</summary>
    UnknownKey,

    /// <summary>A sender's nonce did not increase (a replayed frame), or a sender appears twice.</summary>
    Replayed,

    /// <summary>The integrity tag does not match: the server changed the mix.</summary>
    Altered,
}

/// <summary>
/// The payload of our WideAudioFrame packet (<see cref="RoomPacketType.WideAudioFrame"/>; WideAudio
/// extension, between a member of ours and our server only), in both directions as PicoTalk's
/// AudioFrame: a client sends its frame (one tag), the server sends each member the others' sum.
/// </summary>
/// <remarks>
/// <code>
/// +------------- 2048 -------------+---- 8 ----+----- 7 -----+----- 7 -----+
/// | lanes, u32 LE (sum mod 2^32)   | MAC u64   | wide tag 1  | wide tag 2  | ...
/// +--------------------------------+-----------+-------------+-------------+
/// MAC: big-endian, in [0, 2^61 − 1); a client's own tag (MixMac.Tag), in a mix their sum mod p
/// wide tag: | peer_id u16 (BE) | nonce u32 (BE) | key epoch u8 |
/// </code>
/// The lanes are <see cref="WideKeystream"/> ciphertexts; their low halves and the first six bytes
/// of each tag form a PicoTalk AudioFrame (<see cref="Narrow"/>).
/// </remarks>
public static class WideAudioFrame
{
    public const int LanesSize = WideKeystream.LanesSize;
    public const int MacOffset = LanesSize;
    public const int HeaderSize = LanesSize + MixMac.Size;
    public const int ClientFrameSize = HeaderSize + WideAudioTag.Size;
    public const int MaxTags = (RoomPacket.MaxPayloadLength - HeaderSize) / WideAudioTag.Size;

    private const int Samples = AudioKeystream.SamplesPerFrame;

    /// <summary>True if <paramref name="payload"/> is 2,056 bytes followed by whole tags; gives their count.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int tagCount)
    {
        int rest = payload.Length - HeaderSize;
        if (rest < 0 || rest % WideAudioTag.Size != 0 || rest / WideAudioTag.Size > MaxTags)
        {
            tagCount = 0;
            return false;
        }

        tagCount = rest / WideAudioTag.Size;
        return true;
    }

    public static WideAudioTag TagAt(ReadOnlySpan<byte> payload, int index) => WideAudioTag.Read(payload[(HeaderSize + (index * WideAudioTag.Size))..]);

    public static ulong MacOf(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadUInt64BigEndian(payload[MacOffset..]);

    /// <summary>Encrypts 512 samples with key stream and integrity tag; writes a client's frame (2,063 bytes) and returns its size.</summary>
    public static int WriteClientFrame(ReadOnlySpan<short> samples, ReadOnlySpan<byte> key, byte epoch, ushort peerId, uint frameNonce, MixMac mac, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(mac);
        if (destination.Length < ClientFrameSize)
        {
            throw new ArgumentException($"needs {ClientFrameSize} bytes", nameof(destination));
        }

        ulong mask = WideKeystream.Encrypt(samples, key, peerId, frameNonce, destination[..LanesSize]);
        BinaryPrimitives.WriteUInt64BigEndian(destination[MacOffset..], mac.Tag(samples, mask));
        new WideAudioTag(peerId, frameNonce, epoch).Write(destination[HeaderSize..]);
        return ClientFrameSize;
    }

    /// <summary>
    /// Writes the PicoTalk AudioFrame a wide payload stands for: the lanes' low halves (the narrow
    /// ciphertexts) and the tags without their epoch. Returns its size, or 0 if malformed.
    /// </summary>
    public static int Narrow(ReadOnlySpan<byte> wide, Span<byte> narrow)
    {
        if (!TryRead(wide, out int tags))
        {
            return 0;
        }

        int size = AudioFrame.SamplesSize + (tags * AudioTag.Size);
        if (narrow.Length < size)
        {
            throw new ArgumentException($"needs {size} bytes", nameof(narrow));
        }

        for (int i = 0; i < Samples; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(narrow[(2 * i)..], BinaryPrimitives.ReadUInt16LittleEndian(wide[(4 * i)..]));
        }

        for (int t = 0; t < tags; t++)
        {
            wide.Slice(HeaderSize + (t * WideAudioTag.Size), AudioTag.Size).CopyTo(narrow[(AudioFrame.SamplesSize + (t * AudioTag.Size))..]);
        }

        return size;
    }

    /// <summary>
    /// Opens a (mixed) wide frame: subtracts each tagged sender's lanes under the key its epoch
    /// names, checks every sender's nonce is fresh, then checks the integrity tag against the exact
    /// plaintext sum. Only <see cref="WideMixResult.Verified"/> fills <paramref name="sum"/> (cleared
    /// otherwise) and records the nonces as seen.
    /// </summary>
    public static WideMixResult TryOpen(ReadOnlySpan<byte> payload, AudioKeyRing keys, MixMac mac, Span<int> sum)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(mac);
        sum.Clear();
        if (sum.Length != Samples)
        {
            throw new ArgumentException($"a frame is {Samples} samples", nameof(sum));
        }

        if (!TryRead(payload, out int tagCount))
        {
            return WideMixResult.Malformed;
        }

        for (int t = 0; t < tagCount; t++)
        {
            var tag = TagAt(payload, t);
            if (keys.KeyFor(tag.PeerId, tag.Epoch).Length != AudioKeystream.KeySize)
            {
                return WideMixResult.UnknownKey;
            }

            if (!keys.IsFresh(tag.PeerId, tag.Nonce))
            {
                return WideMixResult.Replayed;
            }

            for (int u = 0; u < t; u++)
            {
                if (TagAt(payload, u).PeerId == tag.PeerId)
                {
                    return WideMixResult.Replayed;
                }
            }
        }

        Span<uint> lanes = stackalloc uint[Samples];
        for (int i = 0; i < Samples; i++)
        {
            lanes[i] = BinaryPrimitives.ReadUInt32LittleEndian(payload[(4 * i)..]);
        }

        ulong masks = 0;
        for (int t = 0; t < tagCount; t++)
        {
            var tag = TagAt(payload, t);
            masks = Gf61.Add(masks, WideKeystream.Subtract(lanes, keys.KeyFor(tag.PeerId, tag.Epoch), tag.PeerId, tag.Nonce));
        }

        // |S_i| ≤ 128 members × 2^15 < 2^31: the lanes, read as int32, are the exact sum.
        for (int i = 0; i < Samples; i++)
        {
            sum[i] = unchecked((int)lanes[i]);
        }

        if (!mac.Verify(sum, masks, MacOf(payload)))
        {
            sum.Clear();
            return WideMixResult.Altered;
        }

        for (int t = 0; t < tagCount; t++)
        {
            var tag = TagAt(payload, t);
            keys.MarkSeen(tag.PeerId, tag.Nonce);
        }

        return WideMixResult.Verified;
    }
}
