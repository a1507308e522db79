using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// The outcome of <see cref="DhtNode.RequestPunch"/>: whether the callee answered the relay, its NAT,
/// and (<see cref="CalleeSeenAt"/>) where its punch ping came from, when that arrived first: behind an
/// endpoint-dependent NAT that is a new public port, the only one its NAT opened toward us.
/// </summary>
public readonly record struct PunchResult(bool Answered, NatMapping CalleeNat, string? Error, PeerEndpoint? CalleeSeenAt = null)
{
    public static PunchResult Failed(string error) => new(false, NatMapping.Unknown, error);
}

/// <summary>
/// NAT traversal (issue 3 "NAT"): classification of our own NAT (<see cref="NatObserver"/>),
/// relayed hole punching with our query "pt_punch" (KrpcCodec.Punch.cs), and keepalives that hold
/// the NAT mapping toward the nodes that store our announce.
/// </summary>
/// <remarks>
/// <para>Hole punching after RFC 5128 §3.3: the callee C behind a NAT with endpoint-independent
/// mapping and address-and-port-dependent filtering (a port-restricted cone, RFC 4787 §4.1 and §5)
/// drops the caller A's first datagrams, since C never sent to A. A node R that holds C's announce
/// can reach C: C announced to R and keeps that mapping alive (<see cref="DhtOptions.KeepaliveInterval"/>).
/// A asks R (<see cref="RequestPunch"/>); R forwards to C's stored endpoints with A's address as R saw
/// it; C pings A, which opens C's NAT toward A, and answers R with its own NAT mapping, which R relays
/// back to A. A's handshake, already retransmitting toward C, then gets through.</para>
/// <para>Defences: a relay acts only for announces it holds, forwards to at most two endpoints, and
/// keeps a bounded number of relays pending; a callee acts only for its own ID and pings a given
/// address at most about once a second; both share a global budget (<see cref="DhtOptions.PunchesPerSecond"/>).
/// So a stranger cannot use either as a reflector.</para>
/// </remarks>
public sealed partial class DhtNode
{
    /// <summary>Stored endpoints of the callee a relay forwards one request to (an IPv4 and an IPv6 one, or two ports).</summary>
    private const int MaxPunchTargets = 2;

    /// <summary>Pings one callee sends toward one caller address: one a second, three at once (the caller asks up to three relays).</summary>
    private const double PunchesPerTargetPerSecond = 1;

    private const int PunchBurstPerTarget = 3;

    /// <summary>Caller addresses the per-target limiter tracks.</summary>
    private const int MaxPunchTargetsTracked = 256;

    private static readonly KrpcError PunchNothingStored = KrpcError.Create(KrpcErrorCode.Generic, "no announce held for that info_hash");
    private static readonly KrpcError PunchNoAnswer = KrpcError.Create(KrpcErrorCode.Generic, "callee did not answer");
    private static readonly KrpcError PunchOff = KrpcError.Create(KrpcErrorCode.Generic, "hole punching is off here");
    private static readonly KrpcError PunchRateLimited = KrpcError.Create(KrpcErrorCode.Generic, "punch refused: rate limited");
    private static readonly KrpcError PunchBusy = KrpcError.Create(KrpcErrorCode.Server, "too many punches pending");

    /// <summary>Our pt_punch transactions: what to do with each one's answer.</summary>
    private readonly Dictionary<ushort, PunchWait> _punchWaits = new();

    /// <summary>
    /// Callees we asked relays to punch for: how many of our pt_punch queries for each are pending,
    /// and where a query from that ID (its punch ping) last came from. Bounded by the transaction table.
    /// </summary>
    private readonly Dictionary<NodeId, (int Pending, PeerEndpoint SeenAt)> _punchWatch = new();

    /// <summary>Relays waiting for a callee to answer, oldest first; bounded by <see cref="DhtOptions.MaxPendingPunchRelays"/>.</summary>
    private readonly List<PendingRelay> _relays = new();

    private readonly List<(NodeId Id, PeerEndpoint Endpoint)> _keepaliveTargets = new();
    private NatObserver? _natObserver;
    private SourceRateLimiter? _punchBudget;
    private SourceRateLimiter? _punchTargetBudget;
    private KrpcError? _settlingError;
    private long _nextKeepalive;

    /// <summary>What others report of our address, classified (RFC 4787 terms).</summary>
    public NatObserver NatObserver => _natObserver ??= new NatObserver(Time);

    /// <summary>Our NAT's mapping behaviour as far as the DHT's answers show it.</summary>
    public NatMapping Nat => NatObserver.Mapping;

    /// <summary>Keepalive pings sent so far (<see cref="DhtOptions.KeepaliveInterval"/>).</summary>
    public long KeepalivesSent { get; private set; }

    /// <summary>Punch requests this node acted on as the callee (it sent a ping toward a caller).</summary>
    public long PunchesSent { get; private set; }

    /// <summary>Punch requests this node forwarded to a callee as a relay.</summary>
    public long PunchesRelayed { get; private set; }

    /// <summary>The nodes whose NAT mapping the keepalives hold: those that accepted our latest announces.</summary>
    public IReadOnlyList<(NodeId Id, PeerEndpoint Endpoint)> KeepaliveTargets => _keepaliveTargets;

    /// <summary>
    /// Asks <paramref name="relay"/>, a node that holds <paramref name="callee"/>'s announce (a lookup's
    /// <see cref="Lookup.DhtLookupResult.Holders"/>), to make the callee send to us first. The outcome
    /// comes on the loop: the callee's NAT mapping when it answered the relay, else why not.
    /// </summary>
    public void RequestPunch(PeerEndpoint relay, NodeId? relayId, NodeId callee, Action<PunchResult> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        if (relay.IsEmpty || relay.Port == 0)
        {
            throw new ArgumentException("the relay needs an address and a port", nameof(relay));
        }

        if (OpenTransaction(relay, KrpcMethod.Punch, QueryPurpose.Punch, relayId) is not { } t)
        {
            done(PunchResult.Failed("too many queries outstanding"));
            return;
        }

        _punchWaits[t.Id] = new PunchWait(done, null, callee);
        _punchWatch[callee] = (_punchWatch.GetValueOrDefault(callee).Pending + 1, _punchWatch.GetValueOrDefault(callee).SeenAt);
        SendQuery(t, KrpcQuery.Punch(LocalId, callee));
    }

    /// <summary>pt_punch arrived: we are the callee (info_hash is our ID) or asked to relay.</summary>
    private void AnswerPunch(in KrpcMessage message, KrpcQuery query, PeerEndpoint from)
    {
        if (!_options.EnableHolePunching)
        {
            RespondError(message, PunchOff, from);
            return;
        }

        long now = Time.GetTimestamp();
        if (!(_punchBudget ??= new SourceRateLimiter(Time, _options.PunchesPerSecond, _options.PunchBurst, 1)).TryTake(default, now))
        {
            RespondError(message, PunchRateLimited, from);
            return;
        }

        if (query.InfoHash == LocalId)
        {
            PunchToward(message, query.PunchAddress ?? from, from, now);
        }
        else
        {
            Relay(message, query.InfoHash, from, now);
        }
    }

    /// <summary>The callee's part: send first toward the caller (a ping; its reply, if it comes, is a bonus), then tell the relay our NAT.</summary>
    private void PunchToward(in KrpcMessage message, PeerEndpoint caller, PeerEndpoint relay, long now)
    {
        _punchTargetBudget ??= new SourceRateLimiter(Time, PunchesPerTargetPerSecond, PunchBurstPerTarget, MaxPunchTargetsTracked);
        if (!_punchTargetBudget.TryTake(IpAddressKey.Of(caller).WithPort(0), now))
        {
            RespondError(message, PunchRateLimited, relay);
            return;
        }

        SendPing(caller, null);
        PunchesSent++;
        Respond(message, new KrpcResponse { Id = LocalId, Nat = Nat }, relay);
    }

    /// <summary>The relay's part: forward to the stored endpoints; answer the caller when one answers or when the wait ends.</summary>
    private void Relay(in KrpcMessage message, NodeId callee, PeerEndpoint caller, long now)
    {
        var targets = _peerStore.GetPeers(callee, MaxPunchTargets);
        if (targets.Count == 0)
        {
            RespondError(message, PunchNothingStored, caller);
            return;
        }

        if (_relays.Count >= _options.MaxPendingPunchRelays)
        {
            RespondError(message, PunchBusy, caller);
            return;
        }

        var wait = TimeSpan.FromTicks(Math.Min(_options.PunchRelayTimeout.Ticks, _options.QueryTimeout.Ticks * 6 / 10));
        var relay = new PendingRelay(caller, message.TransactionId.ToArray(), now + ToTimestamp(wait));
        foreach (var target in targets)
        {
            if (target == caller || OpenTransaction(target, KrpcMethod.Punch, QueryPurpose.Punch, callee) is not { } t)
            {
                continue;
            }

            _punchWaits[t.Id] = new PunchWait(null, relay, callee);
            SendQuery(t, KrpcQuery.Punch(LocalId, callee, caller));
            relay.Outstanding++;
            PunchesRelayed++;
        }

        if (relay.Outstanding == 0)
        {
            RespondError(message, PunchBusy, caller);
            return;
        }

        _relays.Add(relay);
    }

    /// <summary>One of our pt_punch transactions ended: <paramref name="response"/> is null on an error or a timeout.</summary>
    private void OnPunchSettled(ushort transactionId, KrpcResponse? response)
    {
        var error = _settlingError;
        _settlingError = null;
        if (!_punchWaits.Remove(transactionId, out var wait))
        {
            return;
        }

        if (wait.Caller is { } done)
        {
            var (pending, seenAt) = _punchWatch.GetValueOrDefault(wait.Callee);
            if (pending <= 1)
            {
                _punchWatch.Remove(wait.Callee);
            }
            else
            {
                _punchWatch[wait.Callee] = (pending - 1, seenAt);
            }

            done(response is not null
                ? new PunchResult(true, response.Nat ?? NatMapping.Unknown, null, seenAt.IsEmpty ? null : seenAt)
                : PunchResult.Failed(error is not null ? $"relay: {error.MessageText} ({error.Code})" : "relay did not answer"));
            return;
        }

        var relay = wait.Relay!;
        relay.Outstanding--;
        if (relay.Done)
        {
            return;
        }

        if (response is not null)
        {
            FinishRelay(relay, response.Nat ?? NatMapping.Unknown);
        }
        else if (relay.Outstanding == 0)
        {
            FinishRelay(relay, nat: null);
        }
    }

    /// <summary>Answers the caller of a relay: the callee's NAT, or (null) "callee did not answer".</summary>
    private void FinishRelay(PendingRelay relay, NatMapping? nat)
    {
        relay.Done = true;
        _relays.Remove(relay);
        if (nat is { } mapping)
        {
            Send(KrpcMessage.ForResponse(relay.TransactionId, new KrpcResponse { Id = LocalId, Nat = mapping }, VersionBytes,
                requesterAddress: relay.Caller), relay.Caller);
            Statistics.ResponseSent();
        }
        else
        {
            Send(KrpcMessage.ForError(relay.TransactionId, PunchNoAnswer, VersionBytes, requesterAddress: relay.Caller), relay.Caller);
            Statistics.ErrorSent();
        }
    }

    /// <summary>Relays whose callee stayed silent past their wait answer "callee did not answer" (from Poll).</summary>
    private void ExpirePunchRelays(long now)
    {
        while (_relays.Count > 0 && _relays[0].Deadline <= now)
        {
            FinishRelay(_relays[0], nat: null);
        }
    }

    /// <summary>A node accepted our announce: it may relay punches to us, so its NAT mapping is kept alive.</summary>
    private void NoteAnnounceAccepted(NodeId id, PeerEndpoint endpoint)
    {
        for (int i = 0; i < _keepaliveTargets.Count; i++)
        {
            if (_keepaliveTargets[i].Endpoint == endpoint)
            {
                _keepaliveTargets.RemoveAt(i);
                break;
            }
        }

        if (_options.MaxKeepaliveTargets == 0)
        {
            return;
        }

        if (_keepaliveTargets.Count >= _options.MaxKeepaliveTargets)
        {
            _keepaliveTargets.RemoveAt(0);
        }

        _keepaliveTargets.Add((id, endpoint));
    }

    /// <summary>
    /// Every <see cref="DhtOptions.KeepaliveInterval"/>, pings the nodes that hold our announce, unless
    /// we know no NAT is in the way (others see one of our own addresses): an idle UDP mapping is
    /// dropped after as little as 30 s (RFC 4787 §4.3), and with it the relays' way to us.
    /// </summary>
    private void SendKeepalives(long now)
    {
        if (now < _nextKeepalive)
        {
            return;
        }

        _nextKeepalive = now + ToTimestamp(_options.KeepaliveInterval);
        if (NatObserver.IsBehindNat == false)
        {
            return;
        }

        foreach (var (id, endpoint) in _keepaliveTargets)
        {
            if (OpenTransaction(endpoint, KrpcMethod.Ping, QueryPurpose.Keepalive, id) is { } t)
            {
                SendQuery(t, KrpcQuery.Ping(LocalId));
                KeepalivesSent++;
            }
        }
    }

    /// <summary>
    /// A query came from <paramref name="id"/> at <paramref name="from"/>: if we asked for a punch from
    /// that ID, this is (most likely) its ping, sent before it answered the relay, so the address is
    /// where its NAT now lets us in (RFC 5128 §3.3). A forged one only misdirects our handshake, which
    /// then fails the ID check like any wrong address.
    /// </summary>
    private void NoteCalleeSeen(NodeId id, PeerEndpoint from)
    {
        if (_punchWatch.TryGetValue(id, out var watch))
        {
            _punchWatch[id] = (watch.Pending, from);
        }
    }

    /// <summary>What the answer to one of our pt_punch queries is for: a caller's callback, or a relay; and for which callee.</summary>
    private sealed record PunchWait(Action<PunchResult>? Caller, PendingRelay? Relay, NodeId Callee);

    private sealed class PendingRelay(PeerEndpoint caller, byte[] transactionId, long deadline)
    {
        public PeerEndpoint Caller { get; } = caller;

        /// <summary>The caller's "t", copied out of the datagram, for the answer.</summary>
        public byte[] TransactionId { get; } = transactionId;

        public long Deadline { get; } = deadline;

        public int Outstanding { get; set; }

        public bool Done { get; set; }
    }
}
