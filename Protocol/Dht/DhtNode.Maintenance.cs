using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// Joining and staying joined: bootstrap, pings the table asks for, bucket refresh (BEP 5
/// "Routing Table"; paper §2.3), the periodic announce of our own ID, and expiry of queries and
/// stored peers. Tokens rotate lazily inside <see cref="Storage.TokenManager"/> on their 5-minute epochs.
/// </summary>
public sealed partial class DhtNode
{
    /// <summary>Bootstrap endpoints remembered for a re-bootstrap when the table runs empty.</summary>
    private const int MaxBootstrapEndpoints = 64;

    /// <summary>Nodes named by bootstrap nodes, handed to the first self-lookup.</summary>
    private const int MaxBootstrapNodes = 256;

    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Rate-limited sources tracked before maintenance forgets the idle ones.</summary>
    private const int RateLimiterPruneThreshold = 32;

    /// <summary>A bootstrap that reached nobody (all its datagrams lost) is tried again this soon.</summary>
    private static readonly TimeSpan FirstBootstrapRetry = TimeSpan.FromSeconds(5);

    private readonly List<PeerEndpoint> _bootstrapEndpoints = new();
    private readonly List<CompactNode> _bootstrapFound = new();
    private long _nextMaintenance;
    private long _nextPurge;
    private long _lastBootstrap;
    private int _bootstrapPending;
    private ushort _announcePort;
    private long _nextAnnounce;
    private bool _announceRunning;

    /// <summary>True once a self-lookup after <see cref="Bootstrap"/> has reached at least one node.</summary>
    public bool IsBootstrapped { get; private set; }

    /// <summary>
    /// Expires queries, then at most every <see cref="DhtOptions.MaintenanceInterval"/>: pings the
    /// table asked for, refreshes quiet buckets, re-announces, re-bootstraps an empty table, and
    /// purges expired peers. Cheap when there is nothing to do.
    /// </summary>
    public void Poll()
    {
        long now = Time.GetTimestamp();
        ExpireTransactions(now);
        ExpirePunchRelays(now);
        if (now < _nextMaintenance)
        {
            return;
        }

        _nextMaintenance = now + ToTimestamp(_options.MaintenanceInterval);
        if (_rateLimiter.Count >= RateLimiterPruneThreshold)
        {
            // Sources whose bucket has refilled are indistinguishable from new ones: forgetting
            // them each second keeps the table at the sources of the last few seconds, not every
            // node that ever asked (thousands in a large DHT), long before MaxRateLimitSources.
            _rateLimiter.Prune(now);
        }

        foreach (var ping in Table.TakePendingPings())
        {
            SendPing(ping.Endpoint, ping.Id);
        }

        if (Table.Count == 0)
        {
            var wait = IsBootstrapped ? _options.RebootstrapInterval : FirstBootstrapRetry;
            if (_bootstrapEndpoints.Count > 0 && _bootstrapPending == 0 && Time.GetElapsedTime(_lastBootstrap, now) >= wait)
            {
                SendBootstrapQueries();
            }
        }
        else if (_bootstrapPending == 0)
        {
            // BEP 5: a bucket unchanged for 15 minutes is refreshed with a find_node lookup of a random ID in its range.
            foreach (var refresh in Table.BucketsNeedingRefresh())
            {
                StartLookup(refresh.Target, LookupKind.FindNode, LookupGoal.Refresh, Ignore, extra: null);
            }
        }

        if (_announcePort != 0 && !_announceRunning && now >= _nextAnnounce)
        {
            StartAnnounce();
        }

        StartDueInfoHashAnnounce(now);
        SendKeepalives(now);
        _transactions.TrimWhenIdle();
        if (now >= _nextPurge)
        {
            _nextPurge = now + ToTimestamp(PurgeInterval);
            _peerStore.Purge();
        }
    }

    /// <summary>
    /// Joins the DHT through <paramref name="nodes"/>: a find_node of our own ID to each (its reply
    /// is the ping that puts the node in our table, and names nodes near us), then an iterative
    /// lookup of our own ID (paper §2.3 "join"), which fills the buckets along the way and makes
    /// our neighbours learn of us.
    /// </summary>
    public void Bootstrap(IReadOnlyList<PeerEndpoint> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (var node in nodes)
        {
            if (!node.IsEmpty && node.Port != 0 && !_bootstrapEndpoints.Contains(node)
                && _bootstrapEndpoints.Count < MaxBootstrapEndpoints)
            {
                _bootstrapEndpoints.Add(node);
            }
        }

        SendBootstrapQueries();
    }

    /// <summary>
    /// A node heard of outside the DHT (LAN discovery, a saved contact): pinged, and added to the
    /// table when it answers. With <paramref name="id"/>, only a reply with that ID counts.
    /// </summary>
    public void AddCandidate(PeerEndpoint endpoint, NodeId? id)
    {
        if (endpoint.IsEmpty || endpoint.Port == 0 || id == LocalId)
        {
            return;
        }

        SendPing(endpoint, id);
    }

    /// <summary>
    /// Announces our own ID as an info-hash (DESIGN.md "DHT"), now and every
    /// <see cref="DhtOptions.AnnounceInterval"/>: a get_peers lookup of our ID, then announce_peer
    /// with implied_port = 1 (BEP 5: use the UDP source port, which a NAT may have changed) to the
    /// closest <see cref="DhtOptions.LookupCompletion"/> nodes that gave a token (BEP 5's K = 8).
    /// <paramref name="port"/> is sent as "port" for nodes that ignore implied_port.
    /// </summary>
    public void Announce(ushort port)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        _announcePort = port;
        _nextAnnounce = Time.GetTimestamp();
        if (!_announceRunning)
        {
            StartAnnounce();
        }
    }

    private void StartAnnounce()
    {
        _announceRunning = true;
        ushort port = _announcePort;
        StartLookup(LocalId, LookupKind.GetPeers, LookupGoal.Closest, result =>
        {
            _announceRunning = false;
            int sent = SendAnnounces(result, LocalId, port, impliedPort: true, QueryPurpose.Announce);
            _nextAnnounce = Time.GetTimestamp() + ToTimestamp(sent > 0 ? _options.AnnounceInterval : _options.AnnounceRetry);
        }, extra: null);
    }

    private void SendPing(PeerEndpoint endpoint, NodeId? id)
    {
        if (OpenTransaction(endpoint, KrpcMethod.Ping, QueryPurpose.Ping, id) is { } t)
        {
            SendQuery(t, KrpcQuery.Ping(LocalId));
        }
    }

    private void SendBootstrapQueries()
    {
        _lastBootstrap = Time.GetTimestamp();
        foreach (var endpoint in _bootstrapEndpoints)
        {
            if (OpenTransaction(endpoint, KrpcMethod.FindNode, QueryPurpose.Bootstrap, expectedId: null) is { } t)
            {
                _bootstrapPending++;
                SendQuery(t, KrpcQuery.FindNode(LocalId, LocalId));
            }
        }
    }

    private void CollectBootstrapNodes(CompactNodeList list)
    {
        foreach (var node in list)
        {
            if (_bootstrapFound.Count < MaxBootstrapNodes)
            {
                _bootstrapFound.Add(node);
            }
        }
    }

    /// <summary>One bootstrap query ended; when the last has, the self-lookup starts from what they named.</summary>
    private void BootstrapSettled()
    {
        if (--_bootstrapPending > 0)
        {
            return;
        }

        var extra = _bootstrapFound.ToArray();
        _bootstrapFound.Clear();
        _bootstrapFound.TrimExcess(); // else ~1.5 KB a node stays held for a rare re-bootstrap (100,000 in a simulation)
        StartLookup(LocalId, LookupKind.FindNode, LookupGoal.Join, OnSelfLookupDone, extra);
    }

    /// <summary>
    /// The join's self-lookup ended. Paper §2.3: the new node then refreshes every bucket farther
    /// than its closest neighbour, so that it knows nodes across the whole ID space (not only those
    /// on its path) and can route others' lookups from the start.
    /// </summary>
    private void OnSelfLookupDone(DhtLookupResult result)
    {
        if (result.ClosestNodes.Count == 0)
        {
            return;
        }

        IsBootstrapped = true;
        if (_announcePort != 0 && !_announceRunning)
        {
            // An announce made before the join found nobody and waits for its retry: now that we
            // know our neighbours, announce at once (a callee behind a NAT is found only through it).
            _nextAnnounce = Time.GetTimestamp();
        }

        foreach (var refresh in Table.BucketsFartherThanNeighbours())
        {
            StartLookup(refresh.Target, LookupKind.FindNode, LookupGoal.Refresh, Ignore, extra: null);
        }
    }
}
