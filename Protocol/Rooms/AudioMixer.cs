using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>What <see cref="AudioMixer.Enqueue"/> did with a frame.</summary>
public enum AudioEnqueueResult
{
    Queued,

    /// <summary>Queued; the queue was full, so its oldest frame was dropped to keep latency bounded.</summary>
    QueuedDroppedOldest,
    UnknownPeer,

    /// <summary>Not 1,024 bytes plus exactly one tag (2,056 plus one wide tag for a wide frame).</summary>
    Malformed,

    /// <summary>The tag names another peer: a client may only send its own frames (our rule).</summary>
    ForeignTag,
}

/// <summary>
/// The room server's mixer (PICOTALK.md "Audio"): every 32 ms it takes the oldest queued frame of
/// each peer (a queue of up to 5 frames per peer absorbs jitter) and sends each peer the sum of the
/// OTHER peers' frames followed by their tags. A peer alone, or whose peers sent nothing this tick,
/// receives a frame of zeros with no tags. The server never holds a key: it adds encrypted samples.
/// </summary>
/// <remarks>
/// Wide lanes (WideAudio, <see cref="WideAudioFrame"/>): every frame is held as 512 u32 lanes, a
/// PicoTalk frame's samples zero-extended, a wide frame's as sent, and the sum is formed mod 2^32.
/// Its low halves are the PicoTalk sum mod 2^16 of the narrow ciphertexts (the low half of a wide
/// lane is the narrow ciphertext, <see cref="WideKeystream"/>), so one sum serves both: a member
/// who asked for wide mixes and whose mix holds only wide frames gets the lanes, the integrity
/// tags summed mod 2^61 − 1 and the wide tags; everyone else gets the low halves and the tags'
/// first six bytes, a PicoTalk AudioFrame.
/// The sum over all contributors is formed once per tick and each peer's own frame subtracted from
/// it, so a tick costs O(peers) rather than O(peers²). All buffers are allocated up front for
/// <c>maxPeers</c>: enqueueing, ticking and mixing allocate nothing. The caller drives
/// <see cref="Tick"/> from its clock every <see cref="FrameInterval"/>, drops the frames of peers
/// not yet authenticated before they get here, and is the single thread using this object.
/// </remarks>
public sealed class AudioMixer
{
    public const int QueueDepth = 5;
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(32);

    /// <summary>A held frame: lanes, integrity tag, wide tag (a narrow frame gets MAC 0 and epoch 0).</summary>
    private const int FrameSize = WideAudioFrame.ClientFrameSize;
    private const int Samples = AudioKeystream.SamplesPerFrame;

    private readonly ushort[] peerIds;
    private readonly bool[] used;
    private readonly int[] head;
    private readonly int[] count;
    private readonly bool[] contributing;
    private readonly byte[] queues;      // slot × QueueDepth × FrameSize
    private readonly bool[] queuedWide;  // slot × QueueDepth
    private readonly byte[] current;     // slot × FrameSize: the frame each slot gives this tick
    private readonly bool[] currentWide; // slot
    private readonly uint[] total = new uint[Samples];
    private ulong totalMac;
    private int contributors;
    private int narrowContributors;

    public AudioMixer(int maxPeers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPeers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPeers, WideAudioFrame.MaxTags + 1);
        MaxPeers = maxPeers;
        peerIds = new ushort[maxPeers];
        used = new bool[maxPeers];
        head = new int[maxPeers];
        count = new int[maxPeers];
        contributing = new bool[maxPeers];
        queues = new byte[maxPeers * QueueDepth * FrameSize];
        queuedWide = new bool[maxPeers * QueueDepth];
        current = new byte[maxPeers * FrameSize];
        currentWide = new bool[maxPeers];
    }

    public int MaxPeers { get; }

    public int PeerCount { get; private set; }

    /// <summary>Frames dropped because a peer's queue was full.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>The largest mix <see cref="WriteMix(ushort, bool, Span{byte}, out bool)"/> writes: a wide one with a tag from every other peer.</summary>
    public int MaxMixSize => WideAudioFrame.HeaderSize + ((MaxPeers - 1) * WideAudioTag.Size);

    /// <summary>False if the peer is already here or the mixer is full.</summary>
    public bool AddPeer(ushort peerId)
    {
        if (Find(peerId) >= 0 || PeerCount == MaxPeers)
        {
            return false;
        }

        int slot = Array.IndexOf(used, false);
        used[slot] = true;
        peerIds[slot] = peerId;
        head[slot] = 0;
        count[slot] = 0;
        contributing[slot] = false;
        PeerCount++;
        return true;
    }

    /// <summary>Removes a peer and its queued frames; its frame of the current tick leaves the current mix too.</summary>
    public bool RemovePeer(ushort peerId)
    {
        int slot = Find(peerId);
        if (slot < 0)
        {
            return false;
        }

        if (contributing[slot])
        {
            var frame = current.AsSpan(slot * FrameSize, FrameSize);
            for (int i = 0; i < Samples; i++)
            {
                total[i] -= BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 * i)..]);
            }

            if (currentWide[slot])
            {
                totalMac = Gf61.Sub(totalMac, Gf61.Reduce(WideAudioFrame.MacOf(frame)));
            }
            else
            {
                narrowContributors--;
            }

            contributing[slot] = false;
            contributors--;
        }

        used[slot] = false;
        count[slot] = 0;
        PeerCount--;
        return true;
    }

    /// <summary>Queues a client's AudioFrame payload (1,024 encrypted bytes and its own tag).</summary>
    public AudioEnqueueResult Enqueue(ushort peerId, ReadOnlySpan<byte> payload)
    {
        int slot = Find(peerId);
        if (slot < 0)
        {
            return AudioEnqueueResult.UnknownPeer;
        }

        if (payload.Length != AudioFrame.ClientFrameSize)
        {
            return AudioEnqueueResult.Malformed;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(payload[AudioFrame.SamplesSize..]) != peerId)
        {
            return AudioEnqueueResult.ForeignTag;
        }

        var result = Reserve(slot, wide: false, out var frame);
        for (int i = 0; i < Samples; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame[(4 * i)..], BinaryPrimitives.ReadUInt16LittleEndian(payload[(2 * i)..]));
        }

        frame.Slice(WideAudioFrame.MacOffset, MixMac.Size).Clear();
        payload.Slice(AudioFrame.SamplesSize, AudioTag.Size).CopyTo(frame[WideAudioFrame.HeaderSize..]);
        frame[WideAudioFrame.HeaderSize + AudioTag.Size] = 0;
        return result;
    }

    /// <summary>Queues a client's WideAudioFrame payload (2,048 bytes of lanes, its integrity tag and its own wide tag).</summary>
    public AudioEnqueueResult EnqueueWide(ushort peerId, ReadOnlySpan<byte> payload)
    {
        int slot = Find(peerId);
        if (slot < 0)
        {
            return AudioEnqueueResult.UnknownPeer;
        }

        if (payload.Length != WideAudioFrame.ClientFrameSize)
        {
            return AudioEnqueueResult.Malformed;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(payload[WideAudioFrame.HeaderSize..]) != peerId)
        {
            return AudioEnqueueResult.ForeignTag;
        }

        var result = Reserve(slot, wide: true, out var frame);
        payload.CopyTo(frame);
        return result;
    }

    /// <summary>Takes the oldest queued frame of every peer and forms their sum. Call every <see cref="FrameInterval"/>.</summary>
    public void Tick()
    {
        Array.Clear(total);
        totalMac = 0;
        contributors = 0;
        narrowContributors = 0;
        for (int slot = 0; slot < MaxPeers; slot++)
        {
            contributing[slot] = used[slot] && count[slot] > 0;
            if (!contributing[slot])
            {
                continue;
            }

            var frame = current.AsSpan(slot * FrameSize, FrameSize);
            int index = (slot * QueueDepth) + head[slot];
            queues.AsSpan(index * FrameSize, FrameSize).CopyTo(frame);
            currentWide[slot] = queuedWide[index];
            head[slot] = (head[slot] + 1) % QueueDepth;
            count[slot]--;
            contributors++;
            for (int i = 0; i < Samples; i++)
            {
                total[i] += BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 * i)..]);
            }

            if (currentWide[slot])
            {
                // A client's tag may be any u64; reduced, the field sum stays in [0, p).
                totalMac = Gf61.Add(totalMac, Gf61.Reduce(WideAudioFrame.MacOf(frame)));
            }
            else
            {
                narrowContributors++;
            }
        }
    }

    /// <summary>The PicoTalk mix for <paramref name="peerId"/>; see <see cref="WriteMix(ushort, bool, Span{byte}, out bool)"/>.</summary>
    public int WriteMix(ushort peerId, Span<byte> destination) => WriteMix(peerId, wide: false, destination, out _);

    /// <summary>
    /// Writes the mix for <paramref name="peerId"/> after a <see cref="Tick"/>: the others' sum,
    /// then their tags. <paramref name="wide"/>: the peer speaks WideAudio; it gets a wide mix
    /// (<paramref name="wroteWide"/>) if every other contributor sent a wide frame, else a PicoTalk
    /// AudioFrame payload. Returns its size, or 0 if the peer is unknown.
    /// </summary>
    public int WriteMix(ushort peerId, bool wide, Span<byte> destination, out bool wroteWide)
    {
        wroteWide = false;
        int own = Find(peerId);
        if (own < 0)
        {
            return 0;
        }

        bool subtractOwn = contributing[own];
        int others = contributors - (subtractOwn ? 1 : 0);
        int othersNarrow = narrowContributors - (subtractOwn && !currentWide[own] ? 1 : 0);
        wroteWide = wide && othersNarrow == 0;
        int tagSize = wroteWide ? WideAudioTag.Size : AudioTag.Size;
        int header = wroteWide ? WideAudioFrame.HeaderSize : AudioFrame.SamplesSize;
        int size = header + (others * tagSize);
        if (destination.Length < size)
        {
            throw new ArgumentException($"needs {size} bytes", nameof(destination));
        }

        var ownFrame = current.AsSpan(own * FrameSize, FrameSize);
        for (int i = 0; i < Samples; i++)
        {
            uint value = total[i];
            if (subtractOwn)
            {
                value -= BinaryPrimitives.ReadUInt32LittleEndian(ownFrame[(4 * i)..]);
            }

            if (wroteWide)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * i)..], value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], unchecked((ushort)value));
            }
        }

        if (wroteWide)
        {
            ulong mac = subtractOwn && currentWide[own] ? Gf61.Sub(totalMac, Gf61.Reduce(WideAudioFrame.MacOf(ownFrame))) : totalMac;
            BinaryPrimitives.WriteUInt64BigEndian(destination[WideAudioFrame.MacOffset..], mac);
        }

        int at = header;
        for (int slot = 0; slot < MaxPeers; slot++)
        {
            if (contributing[slot] && slot != own)
            {
                // The narrow tag is the first six bytes of the wide one.
                current.AsSpan((slot * FrameSize) + WideAudioFrame.HeaderSize, tagSize).CopyTo(destination[at..]);
                at += tagSize;
            }
        }

        return at;
    }

    /// <summary>The queue entry for a new frame of <paramref name="slot"/>, dropping the oldest if full.</summary>
    private AudioEnqueueResult Reserve(int slot, bool wide, out Span<byte> frame)
    {
        var result = AudioEnqueueResult.Queued;
        if (count[slot] == QueueDepth)
        {
            head[slot] = (head[slot] + 1) % QueueDepth;
            count[slot]--;
            DroppedFrames++;
            result = AudioEnqueueResult.QueuedDroppedOldest;
        }

        int index = (slot * QueueDepth) + ((head[slot] + count[slot]) % QueueDepth);
        queuedWide[index] = wide;
        frame = queues.AsSpan(index * FrameSize, FrameSize);
        count[slot]++;
        return result;
    }

    private int Find(ushort peerId)
    {
        for (int slot = 0; slot < MaxPeers; slot++)
        {
            if (used[slot] && peerIds[slot] == peerId)
            {
                return slot;
            }
        }

        return -1;
    }
}
