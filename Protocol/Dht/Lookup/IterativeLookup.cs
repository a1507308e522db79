using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lookup;

/// <summary>
/// Kademlia's node lookup (Maymounkov &amp; Mazières 2002, §2.3; BEP 5 "Routing Table" and
/// "get_peers"): a shortlist ordered by XOR distance to the target, at most alpha queries in
/// flight, always to the closest nodes not asked yet, until the closest <c>completion</c> live nodes
/// known have all answered (BEP 5 and libtorrent: K = 8, <see cref="DhtOptions.LookupCompletion"/>;
/// the paper's k for a dial or a join). A closer node named by any answer joins the shortlist, so
/// the lookup stops exactly when no closer node turned up.
/// </summary>
/// <remarks>
/// <para>Defences (issue 3): a node whose answer names an ID other than the one we queried at that
/// endpoint, or whose node list is mostly garbage (zero IDs, zero ports), or whose response does not
/// parse, is dropped from the lookup and penalised in the table; timeouts and errors drop the node
/// only. Because failed nodes do not count towards the closest set, a lookup keeps going past dead
/// and lying nodes, bounded by <see cref="DhtOptions.MaxQueriesPerLookup"/>.</para>
/// <para>Sans-IO: the owning <see cref="DhtNode"/> sends the queries and reports each outcome.</para>
/// </remarks>
internal sealed class IterativeLookup
{
    /// <summary>
    /// Shortlist length kept: the completion set plus room for the failed ones among it (three in
    /// four may fail before the lookup runs short). Sized by the completion set, not k, because
    /// every candidate is an object for the lifetime of the lookup: thousands of lookups run at
    /// once while a simulated network joins.
    /// </summary>
    private const int ShortlistFactor = 4;

    /// <summary>Distinct "values" kept from all answers (a get_peers response carries at most 52).</summary>
    private const int MaxPeers = 128;

    /// <summary>Nodes kept that answered with "values" (they hold the announce: relays for a hole punch).</summary>
    private const int MaxHolders = 8;

    /// <summary>Second tries after a timeout (libtorrent and BEP 5 retry once before giving a node up).</summary>
    private const int MaxRetries = 1;

    private readonly DhtNode _node;
    private readonly Action<DhtLookupResult> _done;
    private readonly List<LookupCandidate> _shortlist = new();
    private readonly List<PeerEndpoint> _peers = new();
    private readonly List<LookupNode> _holders = new();
    private readonly int _k;
    private readonly int _completion;
    private readonly bool _untilBucketFull;
    private readonly int _alpha;
    private readonly int _maxQueries;
    private readonly int _capacity;
    private long _startedAt;
    private int _inFlight;
    private int _queries;
    private int _responses;
    private int _timeouts;
    private int _failures;
    private int _deepestQuery = -1;
    private bool _finished;

    public IterativeLookup(DhtNode node, NodeId target, LookupKind kind, LookupGoal goal, Action<DhtLookupResult> done)
    {
        _node = node;
        Target = target;
        Kind = kind;
        StopWhenFound = goal == LookupGoal.Dial;
        _done = done;
        _k = node.Options.K;
        _completion = goal is LookupGoal.Dial or LookupGoal.Join ? _k : Math.Min(node.Options.LookupCompletion, _k);
        _untilBucketFull = goal == LookupGoal.Refresh;
        _alpha = node.Options.Alpha;
        _maxQueries = node.Options.MaxQueriesPerLookup;
        _capacity = _completion * ShortlistFactor;
    }

    public NodeId Target { get; }

    public LookupKind Kind { get; }

    /// <summary>Dial by ID: finish as soon as the target itself answered or a peer was announced for it.</summary>
    public bool StopWhenFound { get; }

    public bool IsFinished => _finished;

    /// <summary>Seeds the shortlist with the k closest nodes of our table (and any <paramref name="extra"/>), then queries.</summary>
    public void Start(List<RoutingEntry> scratch, IReadOnlyList<CompactNode>? extra)
    {
        _startedAt = _node.Time.GetTimestamp();
        _node.Table.FindClosest(Target, _k, scratch);
        foreach (var entry in scratch)
        {
            Add(entry.Id, entry.Endpoint, depth: 0);
        }

        if (extra is not null)
        {
            foreach (var node in extra)
            {
                if (IsUsable(node))
                {
                    Add(node.Id, node.Endpoint, depth: 0);
                }
            }
        }

        Step();
    }

    /// <summary>A sensible answer from <paramref name="candidate"/>: take its nodes, values and token.</summary>
    public void OnResponse(LookupCandidate candidate, KrpcResponse response)
    {
        _inFlight--;
        if (_finished)
        {
            return;
        }

        if (!IsSensible(response.Nodes) || !IsSensible(response.Nodes6))
        {
            // Mostly garbage: a liar or a broken node. Its list is not worth a single query.
            candidate.State = CandidateState.Failed;
            _failures++;
            _node.PenaliseLiar(candidate.Id);
            Step();
            return;
        }

        candidate.State = CandidateState.Responded;
        _responses++;
        if (Kind == LookupKind.GetPeers)
        {
            if (response.Token is { } token && !token.IsEmpty)
            {
                candidate.Token = token.ToArray();
            }

            if (response.Values.Count > 0 && _holders.Count < MaxHolders)
            {
                _holders.Add(new LookupNode(candidate.Id, candidate.Endpoint, candidate.Token));
            }

            for (int i = 0; i < response.Values.Count && _peers.Count < MaxPeers; i++)
            {
                var peer = response.Values[i];
                if (peer.Port != 0 && !peer.IsEmpty && !_peers.Contains(peer))
                {
                    _peers.Add(peer);
                }
            }
        }

        AddAll(response.Nodes, candidate.Depth + 1);
        AddAll(response.Nodes6, candidate.Depth + 1);
        Step();
    }

    /// <summary>No answer, an error, or nonsense: the node leaves the lookup.</summary>
    public void OnFailure(LookupCandidate candidate, bool timedOut)
    {
        _inFlight--;
        candidate.State = CandidateState.Failed;
        if (timedOut)
        {
            _timeouts++;
            if (++candidate.Timeouts <= MaxRetries)
            {
                // Asked again if it is still among the closest set; a lossy link is not a dead node.
                candidate.State = CandidateState.Fresh;
            }
        }
        else
        {
            _failures++;
        }

        if (!_finished)
        {
            Step();
        }
    }

    /// <summary>Sends queries to the closest fresh nodes among the closest <c>completion</c> live ones; finishes when none is left.</summary>
    private void Step()
    {
        if ((StopWhenFound && IsFound()) || (_untilBucketFull && _node.Table.IsBucketFull(Target)))
        {
            Finish();
            return;
        }

        int live = 0;
        for (int i = 0; i < _shortlist.Count && live < _completion && _inFlight < _alpha; i++)
        {
            var c = _shortlist[i];
            if (c.State == CandidateState.Failed)
            {
                continue;
            }

            live++;
            if (c.State != CandidateState.Fresh || _queries >= _maxQueries)
            {
                continue;
            }

            c.State = CandidateState.InFlight;
            _inFlight++;
            _queries++;
            _deepestQuery = Math.Max(_deepestQuery, c.Depth);
            if (!_node.SendLookupQuery(this, c))
            {
                // Transaction table full: count it as failed so the lookup still ends.
                _inFlight--;
                c.State = CandidateState.Failed;
                _failures++;
            }
        }

        if (_inFlight == 0)
        {
            Finish();
        }
    }

    private bool IsFound()
    {
        if (_peers.Count > 0)
        {
            return true;
        }

        return _shortlist.Count > 0 && _shortlist[0].Id == Target && _shortlist[0].State == CandidateState.Responded;
    }

    private void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var closest = new List<LookupNode>(_k);
        int hops = 0;
        foreach (var c in _shortlist)
        {
            if (c.State != CandidateState.Responded)
            {
                continue;
            }

            if (closest.Count == 0)
            {
                hops = c.Depth;
            }

            closest.Add(new LookupNode(c.Id, c.Endpoint, c.Token));
            if (closest.Count == _k)
            {
                break;
            }
        }

        var stats = new LookupStats(_queries, _responses, _timeouts, _failures, hops,
            closest.Count == 0 ? 0 : hops + 1, _deepestQuery + 1, _node.Time.GetElapsedTime(_startedAt));
        var result = new DhtLookupResult(Target, Kind, _peers.ToArray(), closest, stats, refused: false, _holders.ToArray());
        _node.OnLookupFinished(this);
        _done(result);
    }

    private void AddAll(CompactNodeList list, int depth)
    {
        foreach (var node in list)
        {
            if (IsUsable(node))
            {
                Add(node.Id, node.Endpoint, depth);
            }
        }
    }

    /// <summary>Inserts in distance order; equal distance means the same ID (XOR is a bijection), so no duplicates.</summary>
    private void Add(NodeId id, PeerEndpoint endpoint, int depth)
    {
        var distance = Target.Xor(id);
        int lo = 0, hi = _shortlist.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _shortlist[mid].Distance.CompareTo(distance);
            if (c == 0)
            {
                return;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        if (lo >= _capacity)
        {
            return;
        }

        _shortlist.Insert(lo, new LookupCandidate(id, endpoint, distance, depth));
        if (_shortlist.Count > _capacity)
        {
            // The farthest is dropped; if it is in flight its reply still arrives and is ignored.
            _shortlist.RemoveAt(_shortlist.Count - 1);
        }
    }

    private bool IsUsable(CompactNode node) =>
        !node.Id.IsZero && node.Id != _node.LocalId && node.Endpoint.Port != 0 && !node.Endpoint.IsEmpty;

    /// <summary>False when more than half of a non-empty node list is unusable (zero IDs or ports).</summary>
    private static bool IsSensible(CompactNodeList list)
    {
        int bad = 0;
        foreach (var node in list)
        {
            if (node.Id.IsZero || node.Endpoint.Port == 0 || node.Endpoint.IsEmpty)
            {
                bad++;
            }
        }

        return bad * 2 <= list.Count;
    }

    /// <summary>The result of a lookup that never ran (queue full).</summary>
    internal static DhtLookupResult Refusal(NodeId target, LookupKind kind) =>
        new(target, kind, Array.Empty<PeerEndpoint>(), Array.Empty<LookupNode>(), default, refused: true);
}
