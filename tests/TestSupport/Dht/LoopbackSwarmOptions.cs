using PicoTalk.Protocol.Dht;

namespace PicoTalk.TestSupport.Dht;

/// <summary>How a <see cref="LoopbackSwarm"/> is built.</summary>
public sealed record LoopbackSwarmOptions
{
    /// <summary>
    /// Every node polled this often: its query timeouts fire within this of their due time, and its
    /// maintenance (itself rate-limited to <see cref="DhtOptions.MaintenanceInterval"/>) runs, as
    /// the daemon's loop does.
    /// </summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// True (the default): node i binds its own address in 127.1.0.0/16 and up (Linux routes all
    /// of 127.0.0.0/8 to lo), so the network looks like one of separate hosts: the per-source-IP
    /// query budget (<see cref="DhtOptions.QueriesPerSecondPerSource"/>) applies per node, as on a
    /// real network. False: every node binds 127.0.0.1, and a node sees all the others as one
    /// source IP; its budget then throttles the whole swarm, which only a small swarm survives.
    /// </summary>
    public bool AddressPerNode { get; init; } = true;

    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>Options of every node; their <see cref="DhtOptions.Random"/> is replaced by one seeded per node.</summary>
    public DhtOptions Dht { get; init; } = new();

    /// <summary>Seeds the node IDs and the swarm's own random picks; null picks a random seed (see <see cref="LoopbackSwarm.Seed"/>).</summary>
    public int? Seed { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PollInterval, TimeSpan.FromSeconds(1), nameof(PollInterval));
        ArgumentNullException.ThrowIfNull(Dht);
    }
}
