namespace PicoTalk.Protocol.Media;

/// <summary>How the adaptive jitter buffer of <see cref="ReceiveStream"/> trades delay for late packets.</summary>
public sealed record PlayoutSettings
{
    /// <summary>
    /// The least time a packet should arrive before it is played (the buffer's minimum): 2 ms covers
    /// the wake-up jitter of the playback and network threads on a quiet link. On a clean link the
    /// buffer sits here.
    /// </summary>
    public int MinimumDelayMilliseconds { get; init; } = 2;

    /// <summary>Above this the buffer skips audio outright (counted) instead of shortening it period by period.</summary>
    public int MaximumDelayMilliseconds { get; init; } = 400;

    /// <summary>
    /// Most slack beyond a whole period above the minimum before the buffer gives a period back:
    /// the slack is as much as the margins spread below their mean, at least 1 ms and at most this
    /// (5 ms), so that jitter does not make it hunt between stretching and shortening while on a
    /// clean link a period is given back as soon as it is not needed.
    /// </summary>
    public int ShortenAboveMilliseconds { get; init; } = 5;

    /// <summary>
    /// After the buffer grew because packets came late, it keeps that delay at least this long (2 s)
    /// before giving a period back. Jitter comes in spells (a Wi-Fi scan, a busy CPU at either end):
    /// giving the period back as soon as a few calm packets allow, then growing again at the next
    /// late one, is a warble heard at each move and more late packets in between (measured: a call
    /// at 30 ms jitter on a loaded machine moved its delay 12 times in 3 s). NetEq, too, raises its
    /// target at once and lowers it slowly. A clean link never grows, so its latency is unchanged.
    /// </summary>
    public int ShortenHoldMilliseconds { get; init; } = 2000;

    /// <summary>
    /// The share of recent packets allowed to miss their deadline: 2 %, a loss that in-band FEC
    /// mostly rebuilds, while a lower share would buy little for much more delay (NetEq aims at 5 %
    /// late plus its own margin; intercom speech favours delay a little more).
    /// </summary>
    public double LateShare { get; init; } = 0.02;

    /// <summary>
    /// False fixes the delay where the first packets put it: no stretching or shortening, for tests
    /// that compare the output frame by frame with a decoder driven by hand.
    /// </summary>
    public bool Adaptive { get; init; } = true;

    /// <summary>
    /// A stream starts a period deeper than the minimum and gives the period back once the network
    /// has shown it needs no more: the first packets say nothing about the jitter yet, and audio late
    /// at the start of a call is heard while a period given back later is not (NetEq, too, starts
    /// above its minimum). Off where a test compares output frame by frame.
    /// </summary>
    public bool StartOnePeriodDeep { get; init; } = true;

    /// <summary>Memory of the delay histogram per packet (<see cref="DelayHistogram"/>): 0.998, about 10 s of 20 ms frames.</summary>
    public double ForgettingFactor { get; init; } = 0.998;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad property.</summary>
    public void Validate()
    {
        if (MinimumDelayMilliseconds is < 0 or > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumDelayMilliseconds), MinimumDelayMilliseconds, "must be 0 to 200 ms");
        }

        if (MaximumDelayMilliseconds < MinimumDelayMilliseconds + 40 || MaximumDelayMilliseconds > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumDelayMilliseconds), MaximumDelayMilliseconds, "must be at least the minimum + 40 ms and at most 1000 ms");
        }

        if (ShortenAboveMilliseconds is < 3 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(ShortenAboveMilliseconds), ShortenAboveMilliseconds, "must be 3 to 100 ms");
        }

        if (ShortenHoldMilliseconds is < 0 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(ShortenHoldMilliseconds), ShortenHoldMilliseconds, "must be 0 to 10000 ms");
        }

        if (LateShare is <= 0 or >= 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(LateShare), LateShare, "must be above 0 and below 0.5");
        }

        if (ForgettingFactor is <= 0.9 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ForgettingFactor), ForgettingFactor, "must be above 0.9 and below 1");
        }
    }
}
