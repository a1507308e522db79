using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// The Kademlia routing table (Maymounkov &amp; Mazières 2002, §2.2 and §4; BEP 5 "Routing Table").
/// Sans-IO and single-threaded: the owner feeds it every KRPC message it receives
/// (<see cref="Observe"/>) and every query that went unanswered (<see cref="OnTimeout"/>), and
/// collects the pings the table wants sent (<see cref="TakePendingPings"/>).
/// </summary>
/// <remarks>
/// <para>Layout: bucket i &lt; last holds the IDs that share exactly i leading bits with ours; the
/// last bucket holds those that share at least (bucket count - 1) bits and is the only one that
/// contains our ID, so it is the only one that splits (BEP 5; paper §4.2). We do not use the
/// paper's relaxation of also splitting buckets within the k closest: with k = 20 the own bucket
/// already holds everything near us, and Mainline nodes behave the same way.</para>
/// <para>Uptime first (paper §2.2, and unlike the reference code's round-robin overwrite): a full
/// bucket never drops a live node for a newcomer. The newcomer waits in the replacement cache, the
/// least recently seen questionable entry is pinged, and only an entry that has gone bad is
/// replaced, by the freshest replacement.</para>
/// <para>Queries add nodes as unverified (questionable) and the table asks for a ping to verify
/// them: on a LAN the first nodes we hear of are the ones querying us, so refusing them would slow
/// bootstrap, while BEP 5 warns that many nodes can query but not be reached (NAT), which the ping
/// settles. Only a response moves an ID to a new endpoint.</para>
/// </remarks>
public sealed partial class RoutingTable
{
    /// <summary>The own bucket stops splitting when it would cover only our ID and one neighbour.</summary>
    private const int MaxOwnBucketDepth = NodeIdBits.Bits - 1;

    /// <summary>Room kept for pending pings between two <see cref="TakePendingPings"/> calls.</summary>
    private const int KeptPingCapacity = 16;

    private readonly TimeProvider _time;
    private readonly RoutingTableOptions _options;
    private readonly StatusRules _rules;
    private readonly List<KBucket> _buckets = new();
    // No dictionaries: an ID's entry can only be in the bucket its prefix names (a scan of at most
    // k entries), and the endpoint check scans the few hundred entries a table holds, which costs
    // less than a datagram's parse and saves two dictionary entries per contact (a simulation
    // holds 100,000 tables).
    private int _count;
    private readonly List<PingRequest> _pendingPings = new();
    private readonly Random? _random;

    /// <summary>Distances of FindClosest's results, parallel to them (reused: the table is single-threaded).</summary>
    private NodeId[] _distanceScratch = [];
    private long _ownIdRefused;
    private long _invalidRefused;
    private long _endpointConflictsRefused;
    private long _addressLimitRefused;

    /// <param name="random">Picks bucket-refresh targets; null means the cryptographic generator
    /// (a simulation passes a seeded one to be reproducible; the targets need not be secret).</param>
    public RoutingTable(NodeId ownId, TimeProvider time, RoutingTableOptions? options = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _options = options ?? new RoutingTableOptions();
        _options.Validate();
        _time = time;
        _random = random;
        _rules = new StatusRules(time, _options.GoodWindow, _options.FailuresBeforeBad);
        OwnId = ownId;
        // BEP 5: "An empty table has one bucket with an ID space range of min=0, max=2^160."
        _buckets.Add(new KBucket(NodeId.Zero, 0, containsOwnId: true, time.GetTimestamp()));
    }

    public NodeId OwnId { get; }

    public RoutingTableOptions Options => _options;

    /// <summary>Entries in buckets (replacement caches not counted).</summary>
    public int Count => _count;

    public int BucketCount => _buckets.Count;

    private KBucket OwnBucket => _buckets[^1];

    public bool TryGet(NodeId id, out RoutingEntry entry)
    {
        entry = FindEntry(id)!;
        return entry is not null;
    }

    /// <summary>
    /// Learns from one received KRPC message. <paramref name="endpoint"/> is the datagram's source;
    /// for a response the owner must have matched the transaction ID to a query it sent there.
    /// </summary>
    public ObserveResult Observe(NodeId id, PeerEndpoint endpoint, ObservationKind kind)
    {
        if (kind is not (ObservationKind.QueryReceived or ObservationKind.ResponseReceived))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an observation kind");
        }

        if (id == OwnId)
        {
            _ownIdRefused++;
            return ObserveResult.RefusedOwnId;
        }

        if (id.IsZero || endpoint.IsEmpty || endpoint.Port == 0)
        {
            _invalidRefused++;
            return ObserveResult.RefusedInvalid;
        }

        long now = _time.GetTimestamp();
        bool verified = kind == ObservationKind.ResponseReceived;
        if (FindEntry(id) is { } entry)
        {
            return Update(entry, endpoint, verified, now);
        }

        KBucket? vacated = null;
        if (FindByEndpoint(endpoint) is { } holder)
        {
            if (!verified)
            {
                // Spoofing a UDP source is cheap; an unverified message must not evict anyone.
                _endpointConflictsRefused++;
                return ObserveResult.RefusedEndpointConflict;
            }

            // A response from this address under another ID: the old ID no longer lives there
            // (restart with a new key, or a NAT mapping handed to another host).
            vacated = RemoveEntry(holder);
        }

        var result = Insert(id, endpoint, verified ? Arrival.Response : Arrival.Query, now, now);
        if (vacated is not null)
        {
            // Refilled only now, so no candidate can take the endpoint or the ID being inserted.
            FillFromReplacements(vacated, now);
        }

        return result;
    }

    /// <summary>A query we sent to <paramref name="id"/> went unanswered (BEP 5: bad after several in a row).</summary>
    public void OnTimeout(NodeId id)
    {
        long now = _time.GetTimestamp();
        var bucket = _buckets[BucketIndexFor(id)];
        if (FindEntry(id) is not { } entry)
        {
            // A replacement candidate that does not answer is not worth keeping.
            bucket.RemoveReplacement(id);
            return;
        }

        entry.ConsecutiveFailures++;
        entry.PingRequestedAt = null;
        if (_rules.StatusOf(entry, now) == NodeStatus.Bad)
        {
            ReplaceBadEntries(bucket, now);
        }

        // BEP 5: "try once more before discarding the node" while someone waits for its place.
        if (bucket.Replacements.Count > 0)
        {
            RequestPingOfStalest(bucket, now);
        }
    }

    /// <summary>Pings the table asked for since the last call; each must end in a response or <see cref="OnTimeout"/>.</summary>
    public IReadOnlyList<PingRequest> TakePendingPings()
    {
        if (_pendingPings.Count == 0)
        {
            return Array.Empty<PingRequest>();
        }

        var pings = _pendingPings.ToArray();
        _pendingPings.Clear();
        if (_pendingPings.Capacity > KeptPingCapacity)
        {
            // A join asks for hundreds at once; a table at rest for one or two (100,000 tables in a simulation).
            _pendingPings.TrimExcess();
        }

        return pings;
    }

    private RoutingEntry? FindEntry(NodeId id)
    {
        var entries = _buckets[BucketIndexFor(id)].Entries;
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Id == id)
            {
                return entries[i];
            }
        }

        return null;
    }

    /// <summary>The entry at <paramref name="endpoint"/> (endpoints are unique among entries), or null.</summary>
    private RoutingEntry? FindByEndpoint(PeerEndpoint endpoint)
    {
        foreach (var bucket in _buckets)
        {
            var entries = bucket.Entries;
            for (int i = 0; i < entries.Count; i++)
            {
                if (entries[i].Endpoint == endpoint)
                {
                    return entries[i];
                }
            }
        }

        return null;
    }

    private int BucketIndexFor(NodeId id) => Math.Min(OwnId.CommonPrefixLength(id), _buckets.Count - 1);

    private ObserveResult Update(RoutingEntry entry, PeerEndpoint endpoint, bool verified, long now)
    {
        var bucket = _buckets[BucketIndexFor(entry.Id)];
        if (entry.Endpoint != endpoint)
        {
            if (!verified)
            {
                // Endpoint hijack: only a response (which needs our transaction ID) may move a node.
                _endpointConflictsRefused++;
                return ObserveResult.RefusedEndpointConflict;
            }

            var holder = FindByEndpoint(endpoint);
            if (CountAddress(bucket.Entries, endpoint, entry, holder) >= _options.MaxNodesPerAddressPerBucket)
            {
                _addressLimitRefused++;
                return ObserveResult.RefusedAddressLimit;
            }

            var vacated = holder is null ? null : RemoveEntry(holder);
            entry.Endpoint = endpoint;
            if (vacated is not null)
            {
                FillFromReplacements(vacated, now);
            }
        }

        Touch(entry, verified, now);
        if (verified)
        {
            bucket.LastChanged = now;
            // BEP 5: "If the pinged node responds then the next least recently seen questionable
            // node is pinged until one fails to respond or all of the nodes in the bucket are good."
            if (bucket.Replacements.Count > 0)
            {
                RequestPingOfStalest(bucket, now);
            }
        }

        return ObserveResult.Updated;
    }

    private static void Touch(RoutingEntry entry, bool verified, long now)
    {
        entry.LastSeen = now;
        if (verified)
        {
            entry.LastResponse = now;
            entry.ConsecutiveFailures = 0;
            entry.PingRequestedAt = null;
        }
        else
        {
            entry.LastQuery = now;
        }
    }

    /// <summary>Entries of <paramref name="list"/> at <paramref name="endpoint"/>'s IP address, not counting the exceptions.</summary>
    private static int CountAddress(List<RoutingEntry> list, PeerEndpoint endpoint, RoutingEntry? except1 = null,
        RoutingEntry? except2 = null)
    {
        // The per-address limit is against Sybils on the public internet; on a LAN, on one host, or
        // behind one NAT router seen from inside, many appliances share an address by design (as
        // libtorrent exempts local networks from restrict_routing_ips).
        if (endpoint.IsLocal)
        {
            return 0;
        }

        var address = IpAddressKey.Of(endpoint);
        int count = 0;
        foreach (var e in list)
        {
            if (!ReferenceEquals(e, except1) && !ReferenceEquals(e, except2) && IpAddressKey.Of(e.Endpoint) == address)
            {
                count++;
            }
        }

        return count;
    }
}
