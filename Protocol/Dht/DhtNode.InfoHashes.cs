using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// Info-hashes of ours besides our own ID (issue 7: a room server announces
/// SHA-1("picotalk-room:" + room id) so a room can be joined by name), and get_peers lookups of any
/// info-hash. BEP 5 "announce_peer": each is announced with an explicit "port" (implied_port = 0,
/// the service's own port, not the DHT socket's) to the closest nodes that gave a token, again every
/// <see cref="DhtOptions.AnnounceInterval"/> as our own ID is. BEP 5 has no way to take an announce
/// back: a withdrawn info-hash is no longer re-announced and its stored peers expire at the nodes
/// (<see cref="Storage.PeerStoreLimits.PeerLifetime"/>).
/// </summary>
public sealed partial class DhtNode
{
    /// <summary>Info-hashes we announce at once (our own ID not counted): a bound, like everything the DHT keeps.</summary>
    public const int MaxAnnouncedInfoHashes = 64;

    /// <summary>
    /// Least time between the starts of two info-hash announces. A node accepts 10 announces a minute
    /// from one IP address (<see cref="Storage.PeerStoreLimits.MaxAnnouncesPerSourcePerMinute"/>, as
    /// ours do), and in a small DHT the same few nodes are the closest to every info-hash: one start
    /// every 8 s is at most 8 a minute, leaving room for our own ID's, and 64 info-hashes take 8.5
    /// minutes, inside the 15-minute interval. (6 s was measured too tight: with our own ID's announce
    /// in the same minute, the 11th was refused.)
    /// </summary>
    public static readonly TimeSpan InfoHashAnnounceSpacing = TimeSpan.FromSeconds(8);

    private readonly List<InfoHashAnnounce> _infoHashes = new();
    private long _nextInfoHashStart;

    /// <summary>Info-hashes being announced now (see <see cref="AnnounceInfoHash"/>).</summary>
    public int AnnouncedInfoHashCount => _infoHashes.Count;

    /// <summary>True while <paramref name="infoHash"/> is announced by <see cref="AnnounceInfoHash"/>.</summary>
    public bool IsAnnouncing(NodeId infoHash) => Find(infoHash) is not null;

    /// <summary>
    /// Announces <paramref name="infoHash"/> with <paramref name="port"/> (a TCP service's port), soon
    /// and then every <see cref="DhtOptions.AnnounceInterval"/>, until <see cref="WithdrawInfoHash"/>.
    /// Announcing it again with another port re-announces at once. False, and nothing changes, when
    /// <see cref="MaxAnnouncedInfoHashes"/> are announced already.
    /// </summary>
    public bool AnnounceInfoHash(NodeId infoHash, ushort port)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        if (infoHash == LocalId)
        {
            throw new ArgumentException("our own ID is announced by Announce(port), with implied_port", nameof(infoHash));
        }

        long now = Time.GetTimestamp();
        if (Find(infoHash) is { } known)
        {
            if (known.Port != port)
            {
                known.Port = port;
                known.Due = now;
            }
        }
        else if (_infoHashes.Count >= MaxAnnouncedInfoHashes)
        {
            return false;
        }
        else
        {
            _infoHashes.Add(new InfoHashAnnounce(infoHash, port, now));
        }

        StartDueInfoHashAnnounce(now);
        return true;
    }

    /// <summary>Stops announcing <paramref name="infoHash"/> (a lookup already running sends no announce); false if it was not announced.</summary>
    public bool WithdrawInfoHash(NodeId infoHash)
    {
        if (Find(infoHash) is not { } entry)
        {
            return false;
        }

        entry.Withdrawn = true;
        _infoHashes.Remove(entry);
        return true;
    }

    /// <summary>
    /// A get_peers lookup of <paramref name="infoHash"/> (BEP 5): the peers announced for it, from
    /// the nodes asked and from our own store (a node close to the info-hash holds the announce
    /// itself and would not ask itself), without duplicates, those of our store first. Ends at the
    /// first "values", else once the k closest nodes have answered. <paramref name="done"/> runs on
    /// the event loop (at once, with no peers, when too many lookups are waiting).
    /// </summary>
    public void LookupPeers(NodeId infoHash, Action<IReadOnlyList<PeerEndpoint>> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        StartLookup(infoHash, LookupKind.GetPeers, LookupGoal.Dial, result =>
        {
            var peers = new List<PeerEndpoint>(_peerStore.GetPeers(infoHash, Storage.PeerStoreLimits.MaxValuesIPv4));
            foreach (var peer in result.Peers)
            {
                if (!peers.Contains(peer))
                {
                    peers.Add(peer);
                }
            }

            done(peers);
        }, extra: null);
    }

    /// <summary>
    /// From <see cref="Poll"/>: starts the info-hash announce that is most overdue, at most one per
    /// <see cref="InfoHashAnnounceSpacing"/>. One that reached nobody (an empty table: a room server
    /// that is the first node of its DHT) is due again as soon as the table has grown.
    /// </summary>
    private void StartDueInfoHashAnnounce(long now)
    {
        if (_infoHashes.Count == 0 || now < _nextInfoHashStart)
        {
            return;
        }

        InfoHashAnnounce? next = null;
        foreach (var entry in _infoHashes)
        {
            if (entry.Running)
            {
                continue;
            }

            if (entry.MissedAtTableCount >= 0 && Table.Count > entry.MissedAtTableCount)
            {
                entry.Due = Math.Min(entry.Due, now);
            }

            if (entry.Due <= now && (next is null || entry.Due < next.Due))
            {
                next = entry;
            }
        }

        if (next is null)
        {
            return;
        }

        _nextInfoHashStart = now + ToTimestamp(InfoHashAnnounceSpacing);
        next.Running = true;
        StartLookup(next.InfoHash, LookupKind.GetPeers, LookupGoal.Closest, result =>
        {
            next.Running = false;
            if (next.Withdrawn)
            {
                return;
            }

            int sent = SendAnnounces(result, next.InfoHash, next.Port, impliedPort: false, QueryPurpose.AnnounceInfoHash);
            next.Due = Time.GetTimestamp() + ToTimestamp(sent > 0 ? _options.AnnounceInterval : _options.AnnounceRetry);
            next.MissedAtTableCount = sent > 0 ? -1 : Table.Count;
            if (sent == 0)
            {
                // Nothing was sent, so no storer's rate budget was spent: the next start need not wait.
                _nextInfoHashStart = Math.Min(_nextInfoHashStart, Time.GetTimestamp());
            }
        }, extra: null);
    }

    /// <summary>
    /// announce_peer to the closest <see cref="DhtOptions.LookupCompletion"/> nodes of a get_peers
    /// lookup that gave a token (BEP 5's K = 8); returns how many were sent.
    /// </summary>
    private int SendAnnounces(DhtLookupResult result, NodeId infoHash, ushort port, bool impliedPort, QueryPurpose purpose)
    {
        int sent = 0;
        foreach (var node in result.ClosestNodes)
        {
            if (sent == _options.LookupCompletion)
            {
                break;
            }

            if (!node.HasToken || OpenTransaction(node.Endpoint, KrpcMethod.AnnouncePeer, purpose, node.Id) is not { } t)
            {
                continue;
            }

            SendQuery(t, KrpcQuery.AnnouncePeer(LocalId, infoHash, port, node.Token, impliedPort));
            Statistics.AnnounceSent();
            sent++;
        }

        return sent;
    }

    private InfoHashAnnounce? Find(NodeId infoHash)
    {
        foreach (var entry in _infoHashes)
        {
            if (entry.InfoHash == infoHash)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>One info-hash of ours and when it is announced next (timestamps of <see cref="Time"/>).</summary>
    private sealed class InfoHashAnnounce(NodeId infoHash, ushort port, long due)
    {
        public NodeId InfoHash { get; } = infoHash;

        public ushort Port { get; set; } = port;

        public long Due { get; set; } = due;

        public bool Running { get; set; }

        public bool Withdrawn { get; set; }

        /// <summary>The table's size when the last announce reached nobody; -1 when it reached someone.</summary>
        public int MissedAtTableCount { get; set; } = -1;
    }
}
