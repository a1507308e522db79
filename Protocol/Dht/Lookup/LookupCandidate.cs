using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lookup;

/// <summary>Where a node of a lookup's shortlist stands.</summary>
internal enum CandidateState : byte
{
    /// <summary>Known, not asked yet.</summary>
    Fresh,

    /// <summary>Asked; the reply is awaited.</summary>
    InFlight,

    /// <summary>Answered sensibly.</summary>
    Responded,

    /// <summary>Timed out, answered with an error, or answered nonsense: out of the lookup.</summary>
    Failed,
}

/// <summary>One node of a lookup's shortlist, with how it was reached.</summary>
internal sealed class LookupCandidate
{
    public LookupCandidate(NodeId id, PeerEndpoint endpoint, NodeId distance, int depth)
    {
        Id = id;
        Endpoint = endpoint;
        Distance = distance;
        Depth = depth;
    }

    public NodeId Id { get; }

    public PeerEndpoint Endpoint { get; }

    /// <summary>XOR distance to the lookup's target (paper §2.1); unique per ID.</summary>
    public NodeId Distance { get; }

    /// <summary>0 for a node from our own table; the depth of the node that named it, plus one.</summary>
    public int Depth { get; }

    public CandidateState State { get; set; }

    /// <summary>Timeouts so far; the first one earns a second try (one lost datagram is not a dead node).</summary>
    public int Timeouts { get; set; }

    /// <summary>The get_peers write token it gave, copied out of the datagram.</summary>
    public byte[]? Token { get; set; }
}
