using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Storage;

/// <summary>
/// The values of BEP 5's get_peers / announce_peer: info-hash → peer endpoints, each expiring after
/// <see cref="PeerStoreLimits.PeerLifetime"/>. An appliance announces its own node ID as an
/// info-hash (DESIGN.md "DHT"), so a get_peers for an ID finds the endpoints it announced here.
/// </summary>
/// <remarks>
/// Bounded everywhere: info-hashes, peers per info-hash, and tracked sources, each evicting the
/// least recently announced first, and a per-source-address announce rate. The token check
/// (<see cref="TokenManager"/>) happens before <see cref="Announce"/>. Not thread-safe: the DHT's
/// event loop owns it.
/// </remarks>
public sealed class PeerStore
{
    private readonly TimeProvider _time;
    private readonly PeerStoreLimits _limits;
    private readonly AnnounceRateLimiter _rateLimiter;
    private readonly Dictionary<NodeId, LinkedListNode<Swarm>> _swarms = new();

    // Least recently announced first: the eviction order for info-hashes.
    private readonly LinkedList<Swarm> _byAge = new();
    private int _peerCount;
    private long _stored;
    private long _refreshed;
    private long _rateLimited;
    private long _invalid;
    private long _evictedInfoHashes;
    private long _evictedPeers;
    private long _expired;

    public PeerStore(TimeProvider time, PeerStoreLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _limits = limits ?? new PeerStoreLimits();
        _limits.Validate();
        _time = time;
        _rateLimiter = new AnnounceRateLimiter(time, _limits.MaxAnnouncesPerSourcePerMinute, _limits.MaxTrackedSources);
    }

    public PeerStoreLimits Limits => _limits;

    public int InfoHashCount => _swarms.Count;

    public int PeerCount => _peerCount;

    /// <summary>
    /// Stores the announcing host for <paramref name="infoHash"/>: BEP 5 keeps the querying node's
    /// IP address with the announced <paramref name="port"/> (with implied_port = 1 the caller
    /// passes the source port), so a host can announce only itself.
    /// </summary>
    public AnnounceResult Announce(NodeId infoHash, PeerEndpoint source, ushort port)
    {
        if (port == 0 || source.IsEmpty)
        {
            _invalid++;
            return AnnounceResult.Invalid;
        }

        long now = _time.GetTimestamp();
        var address = IpAddressKey.Of(source);
        if (!_rateLimiter.TryTake(address, now))
        {
            _rateLimited++;
            return AnnounceResult.RateLimited;
        }

        var peer = address.WithPort(port);
        if (_swarms.TryGetValue(infoHash, out var node))
        {
            DropExpired(node.Value, now);
            _byAge.Remove(node);
        }
        else
        {
            if (_swarms.Count >= _limits.MaxInfoHashes)
            {
                RemoveSwarm(_byAge.First!);
                _evictedInfoHashes++;
            }

            node = new LinkedListNode<Swarm>(new Swarm(infoHash));
            _swarms.Add(infoHash, node);
        }

        _byAge.AddLast(node);
        var peers = node.Value.Peers;
        var result = AnnounceResult.Stored;
        int existing = peers.FindIndex(p => p.Endpoint == peer);
        if (existing >= 0)
        {
            peers.RemoveAt(existing);
            _peerCount--;
            result = AnnounceResult.Refreshed;
            _refreshed++;
        }
        else
        {
            if (peers.Count >= _limits.MaxPeersPerInfoHash)
            {
                peers.RemoveAt(0);
                _peerCount--;
                _evictedPeers++;
            }

            _stored++;
        }

        peers.Add(new StoredPeer(peer, now));
        _peerCount++;
        return result;
    }

    /// <summary>At most <paramref name="max"/> live peers of <paramref name="infoHash"/>, most recently announced first.</summary>
    public IReadOnlyList<PeerEndpoint> GetPeers(NodeId infoHash, int max, PeerFamily family = PeerFamily.Any)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var result = new List<PeerEndpoint>(Math.Min(max, _limits.MaxPeersPerInfoHash));
        foreach (var peer in LivePeersNewestFirst(infoHash))
        {
            if (result.Count >= max)
            {
                break;
            }

            if (Matches(peer, family))
            {
                result.Add(peer);
            }
        }

        return result;
    }

    /// <summary>
    /// The live peers, most recently announced first, that fit one get_peers response
    /// (<see cref="PeerStoreLimits.ValuesBudget"/> bytes of bencoded compact values).
    /// </summary>
    public IReadOnlyList<PeerEndpoint> GetPeersForResponse(NodeId infoHash, PeerFamily family = PeerFamily.Any)
    {
        var result = new List<PeerEndpoint>();
        int budget = PeerStoreLimits.ValuesBudget;
        foreach (var peer in LivePeersNewestFirst(infoHash))
        {
            int cost = peer.IsIPv4 ? PeerStoreLimits.BencodedIPv4ValueSize : PeerStoreLimits.BencodedIPv6ValueSize;
            if (Matches(peer, family) && cost <= budget)
            {
                result.Add(peer);
                budget -= cost;
            }
        }

        return result;
    }

    /// <summary>Drops every expired peer (and info-hashes left empty); returns how many peers went.</summary>
    public int Purge()
    {
        long now = _time.GetTimestamp();
        long before = _expired;
        var node = _byAge.First;
        while (node is not null)
        {
            var next = node.Next;
            DropExpired(node.Value, now);
            if (node.Value.Peers.Count == 0)
            {
                RemoveSwarm(node);
            }

            node = next;
        }

        return (int)(_expired - before);
    }

    public PeerStoreStatistics GetStatistics() => new(_swarms.Count, _peerCount, _rateLimiter.TrackedSources, _stored,
        _refreshed, _rateLimited, _invalid, _evictedInfoHashes, _evictedPeers, _expired);

    private IEnumerable<PeerEndpoint> LivePeersNewestFirst(NodeId infoHash)
    {
        if (!_swarms.TryGetValue(infoHash, out var node))
        {
            return Array.Empty<PeerEndpoint>();
        }

        DropExpired(node.Value, _time.GetTimestamp());
        if (node.Value.Peers.Count == 0)
        {
            RemoveSwarm(node);
            return Array.Empty<PeerEndpoint>();
        }

        var peers = node.Value.Peers;
        var newestFirst = new PeerEndpoint[peers.Count];
        for (int i = 0; i < newestFirst.Length; i++)
        {
            newestFirst[i] = peers[peers.Count - 1 - i].Endpoint;
        }

        return newestFirst;
    }

    private static bool Matches(PeerEndpoint peer, PeerFamily family) => family switch
    {
        PeerFamily.IPv4 => peer.IsIPv4,
        PeerFamily.IPv6 => !peer.IsIPv4,
        _ => true,
    };

    /// <summary>Peers are kept oldest first, so the expired ones are a prefix.</summary>
    private void DropExpired(Swarm swarm, long now)
    {
        int expired = 0;
        while (expired < swarm.Peers.Count && _time.GetElapsedTime(swarm.Peers[expired].AnnouncedAt, now) >= _limits.PeerLifetime)
        {
            expired++;
        }

        if (expired > 0)
        {
            swarm.Peers.RemoveRange(0, expired);
            _peerCount -= expired;
            _expired += expired;
        }
    }

    private void RemoveSwarm(LinkedListNode<Swarm> node)
    {
        _peerCount -= node.Value.Peers.Count;
        _swarms.Remove(node.Value.InfoHash);
        _byAge.Remove(node);
    }

    private sealed class Swarm
    {
        public Swarm(NodeId infoHash) => InfoHash = infoHash;

        public NodeId InfoHash { get; }

        /// <summary>Oldest announce first.</summary>
        public List<StoredPeer> Peers { get; } = new();
    }

    private readonly record struct StoredPeer(PeerEndpoint Endpoint, long AnnouncedAt);
}
