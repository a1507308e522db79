namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>Saving and reloading the table (<see cref="RoutingTableFile"/> is the format).</summary>
public sealed partial class RoutingTable
{
    private static readonly TimeSpan MaxLoadedAge = TimeSpan.FromDays(365);

    /// <summary>The entries worth keeping across a restart: every non-bad bucket entry.</summary>
    public SavedNode[] Snapshot()
    {
        long now = _time.GetTimestamp();
        var wallNow = _time.GetUtcNow();
        var nodes = new List<SavedNode>(_count);
        foreach (var bucket in _buckets)
        {
            foreach (var entry in bucket.Entries)
            {
                if (_rules.StatusOf(entry, now) != NodeStatus.Bad)
                {
                    nodes.Add(new SavedNode(entry.Id, entry.Endpoint, wallNow - _time.GetElapsedTime(entry.LastSeen, now)));
                }
            }
        }

        return nodes.ToArray();
    }

    /// <summary>The file bytes for <see cref="Snapshot"/>; the daemon writes them atomically.</summary>
    public byte[] Save()
    {
        var nodes = Snapshot();
        var bytes = new byte[RoutingTableFile.GetSize(nodes.Length)];
        RoutingTableFile.Write(nodes, bytes);
        return bytes;
    }

    /// <summary>
    /// Reads a file written by <see cref="Save"/>. Loaded nodes come back questionable (nothing is
    /// known of them since the restart) and go through the usual limits. Returns the number that
    /// entered a bucket, or -1 with the reason when the file is malformed.
    /// </summary>
    public int Load(ReadOnlySpan<byte> file, out RoutingFileError error)
    {
        if (!RoutingTableFile.TryRead(file, out var nodes, out error))
        {
            return -1;
        }

        return Load(nodes);
    }

    /// <summary>Adds saved nodes as questionable; returns how many entered a bucket.</summary>
    public int Load(IEnumerable<SavedNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        long now = _time.GetTimestamp();
        var wallNow = _time.GetUtcNow();
        int added = 0;
        foreach (var node in nodes)
        {
            if (node.Id == OwnId || node.Id.IsZero || node.Endpoint.IsEmpty || node.Endpoint.Port == 0
                || FindEntry(node.Id) is not null || FindByEndpoint(node.Endpoint) is not null)
            {
                continue;
            }

            // Ages carry over (they order pings: least recently seen first); a time in the future
            // (clock stepped back) counts as "just now", and a year covers any real outage.
            var age = wallNow - node.LastSeen;
            if (age > MaxLoadedAge)
            {
                age = MaxLoadedAge;
            }

            long lastSeen = age <= TimeSpan.Zero ? now : now - (long)(age.TotalSeconds * _time.TimestampFrequency);
            if (Insert(node.Id, node.Endpoint, Arrival.Loaded, lastSeen, now) == ObserveResult.Added)
            {
                added++;
            }
        }

        return added;
    }
}
