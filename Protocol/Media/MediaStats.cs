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

/// <summary>A snapshot of a receive stream's counters, for call statistics, receiver reports and bitrate control.</summary>
/// <param name="PacketsReceived">Packets received, each sequence number once (late ones included, RFC 3550 A.3).</param>
/// <param name="FramesDecoded">Frames decoded from their own packet.</param>
/// <param name="FramesConcealed">Frames the decoder's loss concealment made up.</param>
/// <param name="FecRecovered">Lost frames rebuilt from the next packet's in-band FEC (RFC 6716 §2.1.7).</param>
/// <param name="Late">Packets that came after their frame had been rebuilt or concealed; dropped.</param>
/// <param name="Duplicates">Copies of a packet already queued or played; dropped.</param>
/// <param name="Resyncs">Times the sender's sequence jumped out of the window and playout restarted there.</param>
/// <param name="DroppedSamples">Decoded audio discarded because the buffer exceeded its maximum delay.</param>
/// <param name="Malformed">Packets too large or undecodable.</param>
/// <param name="Stretched">Pitch periods repeated to wait longer for the network (time-scale modification).</param>
/// <param name="Shortened">Pitch periods removed to catch up.</param>
/// <param name="HighestSequence">Highest sequence number received.</param>
/// <param name="ExpectedPackets">highest - first + 1 (RFC 3550 A.3).</param>
/// <param name="CumulativeLost">Expected minus received.</param>
/// <param name="JitterMilliseconds">RFC 3550 interarrival jitter (§6.4.1, A.8).</param>
/// <param name="DelayMilliseconds">How long before it is played a packet typically arrives: the jitter buffer's delay.</param>
/// <param name="TargetDelayMilliseconds">The delay the buffer steers to: its minimum on a clean link, more with jitter.</param>
public readonly record struct MediaStats(
    long PacketsReceived,
    long FramesDecoded,
    long FramesConcealed,
    long FecRecovered,
    long Late,
    long Duplicates,
    long Resyncs,
    long DroppedSamples,
    long Malformed,
    long Stretched,
    long Shortened,
    uint HighestSequence,
    long ExpectedPackets,
    long CumulativeLost,
    double JitterMilliseconds,
    int DelayMilliseconds,
    int TargetDelayMilliseconds);
