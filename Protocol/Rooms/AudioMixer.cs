using System.Buffers.Binary;

namespace PicoTalk.Protocol.Rooms;

/// <summary>What <see cref="AudioMixer.Enqueue"/> did with a frame.</summary>
public enum AudioEnqueueResult
{
    Queued,

    /// <summary>Queued; the queue was full, so its oldest frame was dropped to keep latency bounded.</summary>
    QueuedDroppedOldest,
    UnknownPeer,

    /// <summary>Not 1,024 bytes plus exactly one tag.</summary>
    Malformed,

    /// <summary>The tag names another peer: a client may only send its own frames (our rule).</summary>
    ForeignTag,
}

/// <summary>
/// The room server's mixer (PICOTALK.md "Audio"): every 32 ms it takes the oldest queued frame of
/// each peer (a queue of up to 5 frames per peer absorbs jitter) and sends each peer the sum, mod
/// 2^16, of the OTHER peers' frames followed by their tags. A peer alone, or whose peers sent
/// nothing this tick, receives 1,024 zero bytes with no tags. The server never holds a key: it
/// adds encrypted samples.
/// </summary>
/// <remarks>
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

    private const int FrameSize = AudioFrame.ClientFrameSize;
    private const int Samples = AudioKeystream.SamplesPerFrame;

    private readonly ushort[] peerIds;
    private readonly bool[] used;
    private readonly int[] head;
    private readonly int[] count;
    private readonly bool[] contributing;
    private readonly byte[] queues;   // slot × QueueDepth × FrameSize
    private readonly byte[] current;  // slot × FrameSize: the frame each slot gives this tick
    private readonly ushort[] total = new ushort[Samples];
    private int contributors;

    public AudioMixer(int maxPeers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPeers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPeers, AudioFrame.MaxTags + 1);
        MaxPeers = maxPeers;
        peerIds = new ushort[maxPeers];
        used = new bool[maxPeers];
        head = new int[maxPeers];
        count = new int[maxPeers];
        contributing = new bool[maxPeers];
        queues = new byte[maxPeers * QueueDepth * FrameSize];
        current = new byte[maxPeers * FrameSize];
    }

    public int MaxPeers { get; }

    public int PeerCount { get; private set; }

    /// <summary>Frames dropped because a peer's queue was full.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>The largest mix <see cref="WriteMix"/> writes: 1,024 bytes and a tag from every other peer.</summary>
    public int MaxMixSize => AudioFrame.SamplesSize + ((MaxPeers - 1) * AudioTag.Size);

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
                total[i] -= BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * i)..]);
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

        if (payload.Length != FrameSize)
        {
            return AudioEnqueueResult.Malformed;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(payload[AudioFrame.SamplesSize..]) != peerId)
        {
            return AudioEnqueueResult.ForeignTag;
        }

        var result = AudioEnqueueResult.Queued;
        if (count[slot] == QueueDepth)
        {
            head[slot] = (head[slot] + 1) % QueueDepth;
            count[slot]--;
            DroppedFrames++;
            result = AudioEnqueueResult.QueuedDroppedOldest;
        }

        int index = (head[slot] + count[slot]) % QueueDepth;
        payload.CopyTo(queues.AsSpan(((slot * QueueDepth) + index) * FrameSize, FrameSize));
        count[slot]++;
        return result;
    }

    /// <summary>Takes the oldest queued frame of every peer and forms their sum. Call every <see cref="FrameInterval"/>.</summary>
    public void Tick()
    {
        Array.Clear(total);
        contributors = 0;
        for (int slot = 0; slot < MaxPeers; slot++)
        {
            contributing[slot] = used[slot] && count[slot] > 0;
            if (!contributing[slot])
            {
                continue;
            }

            var frame = current.AsSpan(slot * FrameSize, FrameSize);
            queues.AsSpan(((slot * QueueDepth) + head[slot]) * FrameSize, FrameSize).CopyTo(frame);
            head[slot] = (head[slot] + 1) % QueueDepth;
            count[slot]--;
            contributors++;
            for (int i = 0; i < Samples; i++)
            {
                total[i] += BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * i)..]);
            }
        }
    }

    /// <summary>
    /// Writes the AudioFrame payload for <paramref name="peerId"/> after a <see cref="Tick"/>: the
    /// others' sum, then their tags. Returns its size, or 0 if the peer is unknown.
    /// </summary>
    public int WriteMix(ushort peerId, Span<byte> destination)
    {
        int own = Find(peerId);
        if (own < 0)
        {
            return 0;
        }

        bool subtractOwn = contributing[own];
        int size = AudioFrame.SamplesSize + ((contributors - (subtractOwn ? 1 : 0)) * AudioTag.Size);
        if (destination.Length < size)
        {
            throw new ArgumentException($"needs {size} bytes", nameof(destination));
        }

        var ownFrame = current.AsSpan(own * FrameSize, FrameSize);
        for (int i = 0; i < Samples; i++)
        {
            ushort value = total[i];
            if (subtractOwn)
            {
                value -= BinaryPrimitives.ReadUInt16LittleEndian(ownFrame[(2 * i)..]);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], value);
        }

        int at = AudioFrame.SamplesSize;
        for (int slot = 0; slot < MaxPeers; slot++)
        {
            if (contributing[slot] && slot != own)
            {
                current.AsSpan((slot * FrameSize) + AudioFrame.SamplesSize, AudioTag.Size).CopyTo(destination[at..]);
                at += AudioTag.Size;
            }
        }

        return at;
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
