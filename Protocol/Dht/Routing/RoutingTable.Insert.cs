using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>Insertion, splitting and uptime-first replacement (paper §2.2, §4.1, §4.2; BEP 5).</summary>
public sealed partial class RoutingTable
{
    private enum Arrival
    {
        Query,
        Response,
        Loaded,
    }

    private ObserveResult Insert(NodeId id, PeerEndpoint endpoint, Arrival arrival, long lastSeen, long now)
    {
        while (true)
        {
            var bucket = _buckets[BucketIndexFor(id)];
            if (bucket.Entries.Count < _options.BucketSize)
            {
                if (CountAddress(bucket.Entries, endpoint) >= _options.MaxNodesPerAddressPerBucket)
                {
                    _addressLimitRefused++;
                    return ObserveResult.RefusedAddressLimit;
                }

                bucket.RemoveReplacement(id);
                var entry = NewEntry(id, endpoint, arrival, lastSeen);
                AddEntry(bucket, entry, now);
                if (arrival == Arrival.Query)
                {
                    RequestPing(entry, now);
                }

                return ObserveResult.Added;
            }

            // BEP 5: a full bucket splits only if our own ID falls in its range.
            if (bucket.ContainsOwnId && bucket.Depth < MaxOwnBucketDepth)
            {
                SplitOwnBucket();
                continue;
            }

            return AddReplacement(bucket, id, endpoint, arrival, lastSeen, now);
        }
    }

    private RoutingEntry NewEntry(NodeId id, PeerEndpoint endpoint, Arrival arrival, long lastSeen)
    {
        var entry = new RoutingEntry(id, endpoint, lastSeen, _rules);
        if (arrival == Arrival.Response)
        {
            entry.LastResponse = lastSeen;
        }
        else if (arrival == Arrival.Query)
        {
            entry.LastQuery = lastSeen;
        }

        return entry;
    }

    private void AddEntry(KBucket bucket, RoutingEntry entry, long now)
    {
        bucket.Entries.Add(entry);
        _count++;
        bucket.LastChanged = now;
    }

    /// <summary>Takes an entry out of its bucket; the caller refills the returned bucket when it is safe to.</summary>
    private KBucket RemoveEntry(RoutingEntry entry)
    {
        var bucket = _buckets[BucketIndexFor(entry.Id)];
        bucket.Entries.Remove(entry);
        _count--;
        return bucket;
    }

    /// <summary>
    /// The own bucket at depth d becomes two: IDs sharing exactly d bits with ours move to a new
    /// sibling bucket (which never splits again), the rest stay in the own bucket at depth d + 1.
    /// </summary>
    private void SplitOwnBucket()
    {
        var own = OwnBucket;
        int depth = own.Depth;
        var sibling = new KBucket(NodeIdBits.FlipBit(NodeIdBits.Truncate(OwnId, depth + 1), depth), depth + 1,
            containsOwnId: false, own.LastChanged);
        own.Prefix = NodeIdBits.Truncate(OwnId, depth + 1);
        own.Depth = depth + 1;
        Move(own.Entries, sibling.Entries, depth);
        Move(own.Replacements, sibling.Replacements, depth);
        _buckets.Insert(_buckets.Count - 1, sibling);
    }

    private void Move(List<RoutingEntry> from, List<RoutingEntry> to, int depth)
    {
        // Stable: keeps the replacement cache's oldest-first order in both halves.
        for (int i = 0; i < from.Count;)
        {
            if (OwnId.CommonPrefixLength(from[i].Id) == depth)
            {
                to.Add(from[i]);
                from.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
    }

    private ObserveResult AddReplacement(KBucket bucket, NodeId id, PeerEndpoint endpoint, Arrival arrival, long lastSeen,
        long now)
    {
        var cache = bucket.Replacements;
        if (_options.ReplacementCacheSize == 0)
        {
            return ObserveResult.Cached;
        }

        int existing = bucket.IndexOfReplacement(id);
        if (existing >= 0)
        {
            var candidate = cache[existing];
            if (candidate.Endpoint != endpoint)
            {
                if (arrival != Arrival.Response)
                {
                    _endpointConflictsRefused++;
                    return ObserveResult.RefusedEndpointConflict;
                }

                candidate.Endpoint = endpoint;
            }

            Touch(candidate, arrival == Arrival.Response, lastSeen);
            cache.RemoveAt(existing);
            cache.Add(candidate);
        }
        else
        {
            int sameEndpoint = cache.FindIndex(e => e.Endpoint == endpoint);
            if (sameEndpoint >= 0)
            {
                if (arrival != Arrival.Response)
                {
                    _endpointConflictsRefused++;
                    return ObserveResult.RefusedEndpointConflict;
                }

                cache.RemoveAt(sameEndpoint);
            }

            if (CountAddress(cache, endpoint) >= _options.MaxNodesPerAddressPerBucket)
            {
                _addressLimitRefused++;
                return ObserveResult.RefusedAddressLimit;
            }

            if (cache.Count >= _options.ReplacementCacheSize)
            {
                cache.RemoveAt(0);
            }

            cache.Add(NewEntry(id, endpoint, arrival, lastSeen));
        }

        if (arrival != Arrival.Loaded)
        {
            ReplaceBadEntries(bucket, now);
            if (FindEntry(id) is not null)
            {
                return ObserveResult.Added;
            }

            // BEP 5: with no bad node to replace, ping the least recently seen questionable one.
            RequestPingOfStalest(bucket, now);
        }

        return ObserveResult.Cached;
    }

    /// <summary>Replaces bad entries with the freshest replacements while both exist (paper §4.1).</summary>
    private void ReplaceBadEntries(KBucket bucket, long now)
    {
        while (bucket.Replacements.Count > 0)
        {
            RoutingEntry? bad = null;
            foreach (var e in bucket.Entries)
            {
                if (_rules.StatusOf(e, now) == NodeStatus.Bad)
                {
                    bad = e;
                    break;
                }
            }

            if (bad is null)
            {
                return;
            }

            bucket.Entries.Remove(bad);
            _count--;

            // Each attempt takes at least one candidate out of the cache, so the loop ends.
            if (!PromoteReplacement(bucket, now))
            {
                // No candidate fits: keep the bad node (lookups skip it) rather than lose the slot.
                AddEntry(bucket, bad, bucket.LastChanged);
                return;
            }
        }
    }

    private void FillFromReplacements(KBucket bucket, long now)
    {
        while (bucket.Entries.Count < _options.BucketSize && PromoteReplacement(bucket, now))
        {
        }
    }

    /// <summary>
    /// Moves the freshest fitting replacement into the bucket: the freshest verified one if any (a
    /// query-only newcomer may have a spoofed source), else the freshest; unverified ones get a ping.
    /// Candidates that no longer fit (endpoint taken, address limit) are dropped.
    /// </summary>
    private bool PromoteReplacement(KBucket bucket, long now)
    {
        var cache = bucket.Replacements;
        while (cache.Count > 0)
        {
            int pick = -1;
            for (int i = cache.Count - 1; i >= 0; i--)
            {
                if (pick < 0 || (cache[i].IsVerified && !cache[pick].IsVerified)
                    || (cache[i].IsVerified == cache[pick].IsVerified && cache[i].LastSeen > cache[pick].LastSeen))
                {
                    pick = i;
                }
            }

            var candidate = cache[pick];
            cache.RemoveAt(pick);
            if (FindEntry(candidate.Id) is not null || FindByEndpoint(candidate.Endpoint) is not null
                || CountAddress(bucket.Entries, candidate.Endpoint) >= _options.MaxNodesPerAddressPerBucket)
            {
                continue;
            }

            AddEntry(bucket, candidate, now);
            if (!candidate.IsVerified)
            {
                RequestPing(candidate, now);
            }

            return true;
        }

        return false;
    }

    private void RequestPing(RoutingEntry entry, long now)
    {
        if (IsPingOutstanding(entry, now))
        {
            return;
        }

        entry.PingRequestedAt = now;
        _pendingPings.Add(new PingRequest(entry.Id, entry.Endpoint));
    }

    private bool IsPingOutstanding(RoutingEntry entry, long now) =>
        entry.PingRequestedAt is { } at && _time.GetElapsedTime(at, now) < _options.PingPatience;

    /// <summary>One ping at a time per bucket, to its least recently seen questionable entry (BEP 5).</summary>
    private void RequestPingOfStalest(KBucket bucket, long now)
    {
        RoutingEntry? stalest = null;
        foreach (var e in bucket.Entries)
        {
            if (IsPingOutstanding(e, now))
            {
                return;
            }

            if (_rules.StatusOf(e, now) == NodeStatus.Questionable && (stalest is null || e.LastSeen < stalest.LastSeen))
            {
                stalest = e;
            }
        }

        if (stalest is not null)
        {
            RequestPing(stalest, now);
        }
    }
}
