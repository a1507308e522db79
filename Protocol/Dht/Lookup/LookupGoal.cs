namespace PicoTalk.Protocol.Dht.Lookup;

/// <summary>What a lookup is for, which decides when it ends.</summary>
internal enum LookupGoal : byte
{
    /// <summary>
    /// The closest nodes to a target (a lookup asked for, an announce): ends when the closest
    /// <see cref="DhtOptions.LookupCompletion"/> live nodes (BEP 5's K = 8) have answered.
    /// </summary>
    Closest,

    /// <summary>
    /// Dial by ID: ends at the first "values" or when the target itself answered; otherwise runs
    /// until the k closest have answered, so a miss is not for want of asking.
    /// </summary>
    Dial,

    /// <summary>
    /// The join's self-lookup (paper §2.3): runs until the k closest have answered, so the own
    /// bucket fills with our k nearest neighbours and they all hear of us.
    /// </summary>
    Join,

    /// <summary>
    /// A bucket refresh (paper §2.3; BEP 5 "Routing Table"): as <see cref="Closest"/>, and ends as
    /// soon as the refreshed bucket holds k entries, which is all the refresh is for.
    /// </summary>
    Refresh,
}
