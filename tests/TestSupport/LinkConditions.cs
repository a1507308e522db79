namespace PicoTalk.TestSupport;

/// <summary>
/// Impairments of one direction of a link in <see cref="InMemoryDatagramNetwork"/>, in the spirit
/// of netem (tc-netem(8): delay, jitter, loss, "loss gemodel", duplicate, reorder). The default is a
/// perfect link: no delay, no loss, in order.
/// </summary>
public sealed record LinkConditions
{
    public static LinkConditions Perfect { get; } = new();

    /// <summary>Fixed one-way delay.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Each packet's delay is Latency plus a uniform value in [-Jitter, +Jitter] (never below 0);
    /// packets whose delays cross arrive out of order, as on a real path.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Independent (Bernoulli) loss probability, 0..1.</summary>
    public double LossRate { get; init; }

    /// <summary>
    /// Gilbert-Elliott burst loss (Gilbert 1960, Elliott 1963; netem "loss gemodel p r 1-h 1-k"):
    /// a two-state chain, Good and Bad. Before each packet the chain moves Good->Bad with
    /// <see cref="BurstEnterRate"/> and Bad->Good with <see cref="BurstExitRate"/>; the packet is then
    /// lost with <see cref="BurstLossInBad"/> (Bad) or <see cref="BurstLossInGood"/> (Good). Disabled
    /// while BurstEnterRate is 0. Mean burst length is 1 / BurstExitRate packets.
    /// </summary>
    public double BurstEnterRate { get; init; }

    public double BurstExitRate { get; init; } = 0.5;

    public double BurstLossInBad { get; init; } = 1.0;

    public double BurstLossInGood { get; init; }

    /// <summary>Probability that a packet is delivered twice (the copy gets its own delay).</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Probability that a packet is held back by <see cref="ReorderDelay"/> on top of its
    /// delay, so packets sent after it overtake it (netem "reorder").</summary>
    public double ReorderRate { get; init; }

    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>
    /// Draws whether the next packet is lost: the Gilbert-Elliott chain (its state in
    /// <paramref name="burstBad"/>, one per link direction) first, then independent loss. Shared by
    /// <see cref="InMemoryDatagramNetwork"/> and <see cref="Net.UdpImpairmentProxy"/>, so a seed means
    /// the same decisions on both.
    /// </summary>
    public bool DrawLoss(Random random, ref bool burstBad)
    {
        if (BurstEnterRate > 0)
        {
            // Gilbert-Elliott: step the chain, then lose with the loss rate of the state it is in.
            double step = random.NextDouble();
            burstBad = burstBad ? step >= BurstExitRate : step < BurstEnterRate;
            double lossInState = burstBad ? BurstLossInBad : BurstLossInGood;
            if (lossInState > 0 && random.NextDouble() < lossInState)
            {
                return true;
            }
        }

        return LossRate > 0 && random.NextDouble() < LossRate;
    }

    /// <summary>Draws a packet's delay in ticks (never negative), and whether it was held back to reorder it.</summary>
    public long DrawDelayTicks(Random random, out bool heldBack)
    {
        long delay = Latency.Ticks;
        if (Jitter > TimeSpan.Zero)
        {
            delay += (long)((random.NextDouble() * 2 - 1) * Jitter.Ticks);
        }

        heldBack = ReorderRate > 0 && random.NextDouble() < ReorderRate;
        if (heldBack)
        {
            delay += ReorderDelay.Ticks;
        }

        return Math.Max(0, delay);
    }

    /// <summary>Draws whether a delivered packet is also delivered a second time.</summary>
    public bool DrawDuplicate(Random random) => DuplicateRate > 0 && random.NextDouble() < DuplicateRate;

    /// <summary>Throws if a probability is outside 0..1 or a time is negative.</summary>
    public void Validate()
    {
        CheckProbability(LossRate, nameof(LossRate));
        CheckProbability(BurstEnterRate, nameof(BurstEnterRate));
        CheckProbability(BurstExitRate, nameof(BurstExitRate));
        CheckProbability(BurstLossInBad, nameof(BurstLossInBad));
        CheckProbability(BurstLossInGood, nameof(BurstLossInGood));
        CheckProbability(DuplicateRate, nameof(DuplicateRate));
        CheckProbability(ReorderRate, nameof(ReorderRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(Latency, TimeSpan.Zero, nameof(Latency));
        ArgumentOutOfRangeException.ThrowIfLessThan(Jitter, TimeSpan.Zero, nameof(Jitter));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReorderDelay, TimeSpan.Zero, nameof(ReorderDelay));
    }

    private static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "a probability must be in 0..1");
        }
    }
}
