using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Dht.Storage;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// The routing layer (DESIGN.md design 1, "DHT"): a Kademlia node that speaks BEP 5 on the
/// appliance's one UDP socket. It answers ping, find_node, get_peers and announce_peer
/// (<c>DhtNode.Server.cs</c>), sends queries and matches replies (<c>DhtNode.Client.cs</c>), runs
/// iterative lookups (<see cref="IterativeLookup"/>), and keeps its table and announce fresh
/// (<c>DhtNode.Maintenance.cs</c>).
/// </summary>
/// <remarks>
/// Sans-IO and single-threaded, like the session layer: the daemon's event loop feeds datagrams to
/// <see cref="Handle"/> and calls <see cref="Poll"/> often (every 50 ms is plenty; the work it does
/// is rate-limited by <see cref="DhtOptions.MaintenanceInterval"/>); the node sends through the
/// injected <see cref="IDatagramSender"/> and reads time from the injected <see cref="TimeProvider"/>.
/// Lookup callbacks run on that loop, from inside Handle or Poll.
/// </remarks>
public sealed partial class DhtNode : IDatagramHandler
{
    /// <summary>"v" of our messages (libtorrent's "dht_extensions" form): "PT" and version 0.1.</summary>
    private static readonly byte[] VersionBytes = [(byte)'P', (byte)'T', 0, 1];

    private readonly IDatagramSender _sender;
    private readonly DropCounters _drops;
    private readonly DhtOptions _options;
    private readonly TransactionTable _transactions;
    private readonly SourceRateLimiter _rateLimiter;
    private readonly TokenManager _tokens;
    private readonly PeerStore _peerStore;

    // One receive and one send buffer: a KRPC message never leaves the loop's current call.
    private readonly byte[] _receiveBuffer = new byte[KrpcCodec.MaxMessageSize];
    private readonly byte[] _sendBuffer = new byte[KrpcCodec.MaxMessageSize];
    private readonly byte[] _transactionIdBuffer = new byte[TransactionTable.IdSize];
    private readonly List<RoutingEntry> _closestScratch = new();

    public DhtNode(NodeId localId, IDatagramSender sender, TimeProvider time, DropCounters drops, DhtOptions? options = null)
    {
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
        Time = time ?? throw new ArgumentNullException(nameof(time));
        _drops = drops ?? throw new ArgumentNullException(nameof(drops));
        _options = options ?? new DhtOptions();
        _options.Validate();
        LocalId = localId;
        Table = new RoutingTable(localId, time, _options.Routing, _options.Random);
        _transactions = new TransactionTable(_options.MaxTransactions, _options.Random);
        _rateLimiter = new SourceRateLimiter(time, _options.QueriesPerSecondPerSource, _options.QueryBurstPerSource,
            _options.MaxRateLimitSources);
        _tokens = new TokenManager(time);
        _peerStore = new PeerStore(time, _options.PeerStore);
        _nextMaintenance = time.GetTimestamp();
    }

    public NodeId LocalId { get; }

    public RoutingTable Table { get; }

    /// <summary>The peers others announced to us (BEP 5 get_peers "values").</summary>
    public PeerStore PeerStore => _peerStore;

    public DhtStatistics Statistics { get; } = new();

    public DhtOptions Options => _options;

    /// <summary>Queries sent and not yet answered or timed out.</summary>
    public int PendingQueries => _transactions.Count;

    /// <summary>Lookups running now (queued ones not counted).</summary>
    public int RunningLookups => _running.Count;

    internal TimeProvider Time { get; }

    public void RegisterWith(PacketDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        dispatcher.Register(PacketType.Krpc, this);
    }

    /// <summary>
    /// Handles one KRPC datagram: copies it into the receive buffer, parses it, answers a query or
    /// routes a reply to the query it answers. Never throws for any bytes; drops are counted.
    /// </summary>
    public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (datagram.Length > _receiveBuffer.Length || from.IsEmpty || from.Port == 0)
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        datagram.CopyTo(_receiveBuffer);
        var bytes = new ReadOnlyMemory<byte>(_receiveBuffer, 0, datagram.Length);
        if (!KrpcCodec.TryRead(bytes, out var message, out var error))
        {
            _drops.Count(DropReason.Malformed);
            OnMalformed(error, from);
            return;
        }

        switch (message.Kind)
        {
            case KrpcMessageKind.Query:
                HandleQuery(message, from);
                break;
            case KrpcMessageKind.Response:
                HandleResponse(message, message.Response!, from);
                break;
            default:
                HandleError(message, from);
                break;
        }
    }

    private void OnMalformed(in KrpcParseError error, PeerEndpoint from)
    {
        if (error.ShouldReply)
        {
            // BEP 5 "Errors": 203 for a malformed query, if the source is not flooding us.
            if (TakeQueryBudget(from))
            {
                Send(error.ToErrorReply(VersionBytes), from);
                Statistics.ErrorSent();
            }

            return;
        }

        if (error.Kind is KrpcMessageKind.Response && error.TransactionId is { } tid
            && _transactions.Match(tid.Span, from) is { } transaction)
        {
            // A reply to our query that does not parse (e.g. a node list of the wrong length):
            // nonsense from a node we asked, so it leaves the lookup and is penalised.
            Statistics.LiarDropped();
            Fail(transaction, timedOut: false, penalise: true);
        }
    }

    /// <summary>Writes and sends one message; a message too large for the buffer is not sent.</summary>
    private void Send(in KrpcMessage message, PeerEndpoint to)
    {
        if (KrpcCodec.TryWrite(message, _sendBuffer, out int length))
        {
            _sender.Send(_sendBuffer.AsSpan(0, length), to);
        }
    }

    private bool TakeQueryBudget(PeerEndpoint from)
    {
        // Per IP address, not per port: one host must not multiply its budget by opening sockets.
        var source = IpAddressKey.Of(from).WithPort(0);
        if (_rateLimiter.TryTake(source, Time.GetTimestamp()))
        {
            return true;
        }

        _drops.Count(DropReason.RateLimited);
        Statistics.RateLimitedQuery();
        return false;
    }
}
