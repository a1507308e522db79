using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// A k-bucket (paper §2.2, BEP 5): the contacts whose IDs start with <see cref="Prefix"/>'s first
/// <see cref="Depth"/> bits, at most k of them, plus a replacement cache of recent newcomers that
/// found the bucket full (paper §4.1). Replacements are kept oldest first, freshest last.
/// </summary>
internal sealed class KBucket
{
    public KBucket(NodeId prefix, int depth, bool containsOwnId, long lastChanged)
    {
        Prefix = prefix;
        Depth = depth;
        ContainsOwnId = containsOwnId;
        LastChanged = lastChanged;
    }

    public NodeId Prefix { get; set; }

    public int Depth { get; set; }

    public bool ContainsOwnId { get; }

    public List<RoutingEntry> Entries { get; } = new();

    public List<RoutingEntry> Replacements { get; } = new();

    /// <summary>BEP 5 "last changed": a node added or replaced, or a node in it answered.</summary>
    public long LastChanged { get; set; }

    /// <summary>When the bucket was last handed out for a refresh lookup.</summary>
    public long? RefreshListedAt { get; set; }

    public int IndexOfReplacement(NodeId id)
    {
        for (int i = 0; i < Replacements.Count; i++)
        {
            if (Replacements[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    public bool RemoveReplacement(NodeId id)
    {
        int i = IndexOfReplacement(id);
        if (i < 0)
        {
            return false;
        }

        Replacements.RemoveAt(i);
        return true;
    }
}
