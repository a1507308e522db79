using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>Lookups, refresh and statistics.</summary>
public sealed partial class RoutingTable
{
    /// <summary>
    /// The <paramref name="count"/> entries closest to <paramref name="target"/> by XOR distance
    /// (paper §2.1), strictly in distance order; bad nodes are skipped, and so are entries the
    /// optional <paramref name="filter"/> rejects (e.g. <c>e =&gt; e.IsVerified</c>).
    /// </summary>
    public IReadOnlyList<RoutingEntry> FindClosest(NodeId target, int count, Func<RoutingEntry, bool>? filter = null)
    {
        var results = new List<RoutingEntry>(Math.Clamp(count, 0, 64));
        FindClosest(target, count, results, filter);
        return results;
    }

    /// <summary>As <see cref="FindClosest(NodeId,int,Func{RoutingEntry,bool})"/>, into a list the caller reuses.</summary>
    public void FindClosest(NodeId target, int count, List<RoutingEntry> results, Func<RoutingEntry, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        results.Clear();
        if (count == 0)
        {
            return;
        }

        // Called for every find_node and get_peers we answer and every lookup we start, so it is
        // the table's hot path: the distance test (three XORs) rejects most entries before the
        // filter delegate or the status is looked at, and distances are computed once per entry.
        if (_distanceScratch.Length < count)
        {
            _distanceScratch = new NodeId[Math.Max(count, _options.BucketSize)];
        }

        // Buckets in distance order, so the scan stops after the few it needs (paper §2.1: XOR
        // distance is decided by the first differing bit). Let b = the bits the target shares with
        // our ID. Bucket b (IDs sharing exactly b bits with ours) agrees with the target on b + 1
        // bits: nearest. Every bucket after it (sharing more bits with us) differs from the target
        // first at bit b: next, as one group. Bucket i < b differs from the target first at bit i:
        // farther the smaller i. Each group is strictly farther than the one before, so once a
        // group leaves `count` results, no later bucket can improve them.
        int last = _buckets.Count - 1;
        int b = Math.Min(OwnId.CommonPrefixLength(target), last);
        if (b < last)
        {
            ScanBucket(_buckets[b], target, count, results, filter);
            if (results.Count == count)
            {
                return;
            }
        }

        for (int i = b < last ? b + 1 : last; i <= last; i++)
        {
            ScanBucket(_buckets[i], target, count, results, filter);
        }

        for (int i = b - 1; i >= 0 && results.Count < count; i--)
        {
            ScanBucket(_buckets[i], target, count, results, filter);
        }
    }

    /// <summary>Merges one bucket's eligible entries into the sorted <paramref name="results"/> (at most <paramref name="count"/>).</summary>
    private void ScanBucket(KBucket bucket, NodeId target, int count, List<RoutingEntry> results, Func<RoutingEntry, bool>? filter)
    {
        var distances = _distanceScratch;
        var entries = bucket.Entries;
        for (int e = 0; e < entries.Count; e++)
        {
            var entry = entries[e];
            var distance = target.Xor(entry.Id);
            int n = results.Count;
            if (n == count && distance.CompareTo(distances[n - 1]) >= 0)
            {
                continue;
            }

            // Bad (BEP 5: several queries in a row unanswered) is the only status skipped.
            if (entry.ConsecutiveFailures >= _rules.FailuresBeforeBad || (filter is not null && !filter(entry)))
            {
                continue;
            }

            // Keeps results sorted; count is small (k), so a linear insertion beats a full sort.
            int at;
            if (n < count)
            {
                results.Add(entry);
                at = n;
            }
            else
            {
                at = n - 1;
            }

            while (at > 0 && distance.CompareTo(distances[at - 1]) < 0)
            {
                distances[at] = distances[at - 1];
                results[at] = results[at - 1];
                at--;
            }

            distances[at] = distance;
            results[at] = entry;
        }
    }

    /// <summary>
    /// Buckets with no change for the refresh interval (BEP 5: "Buckets that have not been changed
    /// in 15 minutes should be refreshed ... by picking a random ID in the range of the bucket and
    /// performing a find_nodes search on it"). Listing a bucket counts as starting its refresh, so
    /// a bucket whose lookup brings nothing new is listed again one interval later, not at once.
    /// </summary>
    public IReadOnlyList<RefreshRequest> BucketsNeedingRefresh()
    {
        long now = _time.GetTimestamp();
        List<RefreshRequest>? due = null;
        for (int i = 0; i < _buckets.Count; i++)
        {
            var bucket = _buckets[i];
            long last = Math.Max(bucket.LastChanged, bucket.RefreshListedAt ?? long.MinValue);
            if (_time.GetElapsedTime(last, now) < _options.RefreshInterval)
            {
                continue;
            }

            bucket.RefreshListedAt = now;
            var target = NodeIdBits.WithPrefix(bucket.Prefix, bucket.Depth, RandomId());
            (due ??= new()).Add(new RefreshRequest(i, bucket.Prefix, bucket.Depth, target));
        }

        return due is null ? Array.Empty<RefreshRequest>() : due;
    }

    /// <summary>
    /// Paper §2.3, joining: "u refreshes all k-buckets further away than its closest neighbor".
    /// Every bucket but the own one (which holds our closest neighbours and is filled by the
    /// self-lookup) that is not full yet gets a random target in its range; listing counts as
    /// starting its refresh. A full bucket is left out: a refresh could only add to its replacement
    /// cache, and at 100,000 nodes the far buckets are mostly full after the self-lookup (each
    /// refresh costs about ten queries, the join's largest cost). Without this a new node knows only
    /// the nodes on its self-lookup's path, its far buckets stay nearly empty, and lookups routed
    /// through it can stall short of the target.
    /// </summary>
    public IReadOnlyList<RefreshRequest> BucketsFartherThanNeighbours()
    {
        long now = _time.GetTimestamp();
        var list = new List<RefreshRequest>(_buckets.Count - 1);
        for (int i = 0; i < _buckets.Count - 1; i++)
        {
            var bucket = _buckets[i];
            if (bucket.Entries.Count >= _options.BucketSize)
            {
                continue;
            }

            bucket.RefreshListedAt = now;
            list.Add(new RefreshRequest(i, bucket.Prefix, bucket.Depth, NodeIdBits.WithPrefix(bucket.Prefix, bucket.Depth, RandomId())));
        }

        return list;
    }

    /// <summary>True when the bucket <paramref name="id"/> falls in holds k entries (a refresh lookup of it can stop).</summary>
    public bool IsBucketFull(NodeId id) => _buckets[BucketIndexFor(id)].Entries.Count >= _options.BucketSize;

    private NodeId RandomId()
    {
        if (_random is null)
        {
            return NodeId.Random();
        }

        Span<byte> bytes = stackalloc byte[NodeId.Size];
        _random.NextBytes(bytes);
        return NodeId.Read(bytes);
    }

    /// <summary>The buckets in index order (index = shared prefix length with our ID, the own bucket last).</summary>
    public IReadOnlyList<BucketInfo> GetBuckets()
    {
        var list = new BucketInfo[_buckets.Count];
        for (int i = 0; i < list.Length; i++)
        {
            var b = _buckets[i];
            list[i] = new BucketInfo(i, b.Prefix, b.Depth, b.Entries.Count, b.Replacements.Count, b.ContainsOwnId,
                b.LastChanged);
        }

        return list;
    }

    /// <summary>Every entry of the buckets (not the replacement caches), bucket by bucket.</summary>
    public IEnumerable<RoutingEntry> Entries => _buckets.SelectMany(b => b.Entries);

    /// <summary>The replacement candidates of the bucket <paramref name="id"/> falls in, oldest first.</summary>
    public IReadOnlyList<RoutingEntry> GetReplacements(NodeId id) => _buckets[BucketIndexFor(id)].Replacements.ToArray();

    public RoutingStatistics GetStatistics()
    {
        long now = _time.GetTimestamp();
        int good = 0, questionable = 0, bad = 0, candidates = 0;
        foreach (var bucket in _buckets)
        {
            candidates += bucket.Replacements.Count;
            foreach (var entry in bucket.Entries)
            {
                switch (_rules.StatusOf(entry, now))
                {
                    case NodeStatus.Good:
                        good++;
                        break;
                    case NodeStatus.Questionable:
                        questionable++;
                        break;
                    default:
                        bad++;
                        break;
                }
            }
        }

        return new RoutingStatistics(_count, good, questionable, bad, _buckets.Count, candidates, _ownIdRefused,
            _invalidRefused, _endpointConflictsRefused, _addressLimitRefused);
    }
}
