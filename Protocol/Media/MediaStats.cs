namespace PicoTalk.Protocol.Media;

/// <summary>What <see cref="ReceiveStream.ReadFrame"/> put in the caller's buffer.</summary>
public enum FrameKind
{
    /// <summary>Silence: the jitter buffer is filling (call start, after a stop or a resync).</summary>
    Silence,

    /// <summary>A received frame, decoded.</summary>
    Decoded,

    /// <summary>A lost frame rebuilt from the next packet's in-band FEC (RFC 6716 §2.1.7).</summary>
    FecRecovered,

    /// <summary>A lost (or undecodable) frame replaced by the decoder's packet loss concealment.</summary>
    Concealed,
}

/// <summary>A snapshot of a receive stream's counters, for call statistics and bitrate control.</summary>
public readonly record struct MediaStats(
    long PacketsReceived,
    long FramesPlayed,
    long FramesConcealed,
    long FecRecovered,
    long Late,
    long Duplicates,
    long Resyncs,
    long Dropped,
    long Malformed,
    int JitterDepthFrames,
    int JitterDepthMilliseconds);
