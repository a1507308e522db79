using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// The client side: queries with transaction IDs (BEP 5 "KRPC Protocol"), replies matched to them,
/// timeouts, and the lookups built on them.
/// </summary>
public sealed partial class DhtNode
{
    private static readonly Action<DhtLookupResult> Ignore = static _ => { };

    private readonly List<IterativeLookup> _running = new();
    private readonly Queue<(IterativeLookup Lookup, IReadOnlyList<CompactNode>? Extra)> _queued = new();
    private readonly List<RoutingEntry> _lookupScratch = new();
    private PeerEndpoint? _lastReportedAddress;
    private PeerEndpoint _lastReporter;

    /// <summary>
    /// Our address as others see it (BEP 42 "ip" in their responses): set once two responders at
    /// different IP addresses agree in a row. Behind a full-cone NAT this is the public endpoint.
    /// </summary>
    public PeerEndpoint? ExternalAddress { get; private set; }

    /// <summary>
    /// Runs an iterative lookup of <paramref name="target"/>; <paramref name="done"/> is called on
    /// the event loop when it ends (at once, with <see cref="DhtLookupResult.Refused"/>, if too many
    /// lookups are waiting).
    /// </summary>
    public void Lookup(NodeId target, LookupKind kind, Action<DhtLookupResult> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        StartLookup(target, kind, LookupGoal.Closest, done, extra: null);
    }

    /// <summary>
    /// Dial by ID: where the appliance with <paramref name="id"/> can be reached — the peers it
    /// announced under its ID, and its own endpoint if it answered the lookup. Stops as soon as
    /// either is known. An empty list means not found.
    /// </summary>
    public void FindEndpoints(NodeId id, Action<IReadOnlyList<PeerEndpoint>> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        LookupEndpoints(id, result => done(result.Endpoints()));
    }

    /// <summary>As <see cref="FindEndpoints"/>, with the whole result (its cost, the closest nodes).</summary>
    public void LookupEndpoints(NodeId id, Action<DhtLookupResult> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        StartLookup(id, LookupKind.GetPeers, LookupGoal.Dial, done, extra: null);
    }

    /// <summary>Sends the query of one lookup step; false when the transaction table is full.</summary>
    internal bool SendLookupQuery(IterativeLookup lookup, LookupCandidate candidate)
    {
        var method = lookup.Kind == LookupKind.FindNode ? KrpcMethod.FindNode : KrpcMethod.GetPeers;
        var t = OpenTransaction(candidate.Endpoint, method, QueryPurpose.Lookup, candidate.Id);
        if (t is null)
        {
            return false;
        }

        t.Lookup = lookup;
        t.Candidate = candidate;
        SendQuery(t, method == KrpcMethod.FindNode
            ? KrpcQuery.FindNode(LocalId, lookup.Target)
            : KrpcQuery.GetPeers(LocalId, lookup.Target));
        return true;
    }

    /// <summary>A responder answered nonsense: one failure in the table, as if it had not answered.</summary>
    internal void PenaliseLiar(NodeId id)
    {
        Statistics.LiarDropped();
        Table.OnTimeout(id);
    }

    internal void OnLookupFinished(IterativeLookup lookup)
    {
        _running.Remove(lookup);
        Statistics.LookupCompleted();
        while (_running.Count < _options.MaxConcurrentLookups && _queued.TryDequeue(out var next))
        {
            Run(next.Lookup, next.Extra);
        }
    }

    private void StartLookup(NodeId target, LookupKind kind, LookupGoal goal, Action<DhtLookupResult> done,
        IReadOnlyList<CompactNode>? extra)
    {
        var lookup = new IterativeLookup(this, target, kind, goal, done);
        if (_running.Count < _options.MaxConcurrentLookups)
        {
            Run(lookup, extra);
            return;
        }

        if (_queued.Count >= _options.MaxQueuedLookups)
        {
            Statistics.LookupRefused();
            done(IterativeLookup.Refusal(target, kind));
            return;
        }

        _queued.Enqueue((lookup, extra));
    }

    private void Run(IterativeLookup lookup, IReadOnlyList<CompactNode>? extra)
    {
        _running.Add(lookup);
        Statistics.LookupStarted();
        lookup.Start(_lookupScratch, extra);
    }

    private Transaction? OpenTransaction(PeerEndpoint to, KrpcMethod method, QueryPurpose purpose, NodeId? expectedId)
    {
        long now = Time.GetTimestamp();
        var t = _transactions.Open(to, method, purpose, now, now + ToTimestamp(_options.QueryTimeout));
        if (t is null)
        {
            Statistics.TransactionsFull();
            return null;
        }

        t.HasExpectedId = expectedId.HasValue;
        t.ExpectedId = expectedId.GetValueOrDefault();
        return t;
    }

    private void SendQuery(Transaction t, KrpcQuery query)
    {
        TransactionTable.WriteId(t.Id, _transactionIdBuffer);
        Send(KrpcMessage.ForQuery(_transactionIdBuffer, query, VersionBytes), t.To);
        Statistics.QuerySent(query.Method);
    }

    private void HandleResponse(in KrpcMessage message, KrpcResponse response, PeerEndpoint from)
    {
        // Accepted only from the endpoint the query went to, with its transaction ID (BEP 5).
        var t = _transactions.Match(message.TransactionId.Span, from);
        if (t is null)
        {
            Statistics.UnmatchedResponse();
            return;
        }

        if (t.HasExpectedId && response.Id != t.ExpectedId)
        {
            // Another ID answers at the endpoint we were told of: stale or a lie; either way the
            // node we meant is not there.
            Statistics.WrongIdResponse();
            Fail(t, timedOut: false, penalise: true);
            return;
        }

        Statistics.ResponseReceived();
        if (t.Purpose != QueryPurpose.Keepalive)
        {
            // A keepalive is NAT upkeep, not table upkeep: its answer must not stand in for the
            // refresh of a bucket no lookup went through (paper §2.3), or the refresh would never come.
            Table.Observe(response.Id, from, ObservationKind.ResponseReceived);
        }

        NoteExternalAddress(message.RequesterAddress, from);

        Settle(t, response, timedOut: false);
    }

    private void HandleError(in KrpcMessage message, PeerEndpoint from)
    {
        var t = _transactions.Match(message.TransactionId.Span, from);
        if (t is null)
        {
            Statistics.UnmatchedResponse();
            return;
        }

        Statistics.ErrorReceived();
        _settlingError = message.Error; // the punch caller hears the relay's reason (DhtNode.Punch.cs)
        Fail(t, timedOut: false, penalise: false);
        _settlingError = null;
    }

    private void ExpireTransactions(long now)
    {
        while (_transactions.TakeExpired(now) is { } t)
        {
            Statistics.Timeout();
            Fail(t, timedOut: true, penalise: false);
        }
    }

    /// <summary>Ends a transaction without a usable answer; a timeout or nonsense counts against the node in the table.</summary>
    private void Fail(Transaction t, bool timedOut, bool penalise)
    {
        if (t.HasExpectedId && (timedOut || penalise))
        {
            Table.OnTimeout(t.ExpectedId);
        }

        Settle(t, response: null, timedOut);
    }

    /// <summary>Frees the transaction, then tells whoever asked: a lookup step, or the bootstrap.
    /// <paramref name="response"/> is null when the query failed or timed out.</summary>
    private void Settle(Transaction t, KrpcResponse? response, bool timedOut)
    {
        var purpose = t.Purpose;
        var lookup = t.Lookup;
        var candidate = t.Candidate;
        var (id, to, expectedId) = (t.Id, t.To, t.ExpectedId);
        _transactions.Release(t);
        switch (purpose)
        {
            case QueryPurpose.Lookup when response is not null:
                lookup!.OnResponse(candidate!, response);
                break;
            case QueryPurpose.Lookup:
                lookup!.OnFailure(candidate!, timedOut);
                break;
            case QueryPurpose.Bootstrap:
                if (response is not null)
                {
                    CollectBootstrapNodes(response.Nodes);
                    CollectBootstrapNodes(response.Nodes6);
                }

                BootstrapSettled();
                break;
            case QueryPurpose.Announce when response is not null:
                NoteAnnounceAccepted(expectedId, to);
                break;
            case QueryPurpose.Punch:
                OnPunchSettled(id, response);
                break;
        }
    }

    private void NoteExternalAddress(PeerEndpoint? reported, PeerEndpoint from)
    {
        if (reported is not { } address)
        {
            return;
        }

        NatObserver.Report(from, address);

        if (_lastReportedAddress == address && IpAddressKey.Of(_lastReporter) != IpAddressKey.Of(from))
        {
            ExternalAddress = address;
        }

        _lastReportedAddress = address;
        _lastReporter = from;
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);
}
