namespace PicoTalk.Protocol.Media;

/// <summary>
/// How much delay the jitter buffer keeps. Separate from <see cref="JitterBuffer"/>'s bookkeeping so an
/// adaptive policy (one that learns from the jitter it sees) can replace the fixed one without
/// touching the slot logic. Called under the buffer's owner's lock; must not allocate.
/// </summary>
public interface IPlayoutPolicy
{
    /// <summary>Frames queued beyond the first before playout (re)starts.</summary>
    int TargetDelayFrames { get; }

    /// <summary>Most frames kept queued while playing; older frames beyond it are dropped to cut latency
    /// (a sender whose clock runs fast, or a burst after a network stall, would otherwise add delay for good).</summary>
    int MaxDelayFrames { get; }

    /// <summary>Told of every insert, with the queue depth in frames after it.</summary>
    void OnInsert(InsertResult result, int depthFrames);

    /// <summary>Told of every playout decision, with the queue depth in frames after it.</summary>
    void OnPlayout(PlayoutAction action, int depthFrames);
}

/// <summary>A constant delay: start after <see cref="TargetDelayFrames"/>, never keep more than <see cref="MaxDelayFrames"/>.</summary>
public sealed class FixedPlayoutPolicy : IPlayoutPolicy
{
    /// <summary>Slack above the target before frames are dropped: 4 frames (80 ms at 20 ms) absorbs a burst
    /// without keeping latency far above the design's 50 ms target.</summary>
    public const int DefaultSlackFrames = 4;

    public FixedPlayoutPolicy(int targetDelayFrames, int maxDelayFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetDelayFrames);
        if (maxDelayFrames <= targetDelayFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelayFrames), maxDelayFrames, "maxDelayFrames must exceed targetDelayFrames");
        }

        TargetDelayFrames = targetDelayFrames;
        MaxDelayFrames = maxDelayFrames;
    }

    public int TargetDelayFrames { get; }

    public int MaxDelayFrames { get; }

    public void OnInsert(InsertResult result, int depthFrames)
    {
        // A fixed policy learns nothing.
    }

    public void OnPlayout(PlayoutAction action, int depthFrames)
    {
        // A fixed policy learns nothing.
    }
}
