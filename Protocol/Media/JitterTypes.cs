namespace PicoTalk.Protocol.Media;

/// <summary>What <see cref="JitterBuffer.Insert"/> did with a packet.</summary>
public enum InsertResult
{
    /// <summary>Stored for playout.</summary>
    Accepted,

    /// <summary>The same sequence number is already queued; dropped.</summary>
    Duplicate,

    /// <summary>Already played, concealed or behind the playout point; dropped.</summary>
    Late,

    /// <summary>Larger than a slot (an Opus packet is at most 1275 bytes, RFC 6716 §3.2.1); dropped.</summary>
    TooLarge,

    /// <summary>So far ahead of the playout point that it cannot be in the window: the buffer restarted
    /// there (counted). The decoder is NOT reset; it conceals over the jump like any other gap.</summary>
    Resynced,
}

/// <summary>What the player does for this frame period (<see cref="JitterBuffer.Next"/>).</summary>
public enum PlayoutAction
{
    /// <summary>Not playing yet (or again): output silence.</summary>
    Buffering,

    /// <summary>The payload is the frame due now: decode it.</summary>
    Play,

    /// <summary>The frame due now is missing, the next one is here: the payload is the NEXT packet,
    /// to be decoded with <see cref="OpusDecoder.DecodeFec"/> (RFC 6716 §2.1.7).</summary>
    Fec,

    /// <summary>The frame due now is missing and so is the next: conceal (PLC).</summary>
    Conceal,
}

/// <summary>Counters of a <see cref="JitterBuffer"/> since it was made.</summary>
public readonly record struct JitterBufferStats(
    long Received,
    long Played,
    long Concealed,
    long Fec,
    long Late,
    long Duplicates,
    long TooLarge,
    long Resyncs,
    long Dropped,
    long Stops,
    int DepthFrames);
