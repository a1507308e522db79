using PicoTalk.Protocol.Dht.Krpc;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// Counters of one <see cref="DhtNode"/>, by KRPC method where that matters. Written only on the
/// node's event loop; read with Interlocked, so a status page on another thread sees whole values.
/// </summary>
public sealed class DhtStatistics
{
    private static readonly int MethodCount = Enum.GetValues<KrpcMethod>().Length;

    private readonly long[] _queriesSent = new long[MethodCount];
    private readonly long[] _queriesReceived = new long[MethodCount];
    private long _responsesReceived;
    private long _responsesSent;
    private long _errorsSent;
    private long _errorsReceived;
    private long _timeouts;
    private long _unmatchedResponses;
    private long _wrongIdResponses;
    private long _liarsDropped;
    private long _rateLimited;
    private long _transactionTableFull;
    private long _lookupsStarted;
    private long _lookupsCompleted;
    private long _lookupsRefused;
    private long _announcesSent;
    private long _peersStored;

    public long QueriesSent(KrpcMethod method) => Interlocked.Read(ref _queriesSent[(int)method]);

    public long QueriesReceived(KrpcMethod method) => Interlocked.Read(ref _queriesReceived[(int)method]);

    public long TotalQueriesSent => Sum(_queriesSent);

    public long TotalQueriesReceived => Sum(_queriesReceived);

    /// <summary>Responses matched to one of our queries (transaction ID and endpoint).</summary>
    public long ResponsesReceived => Interlocked.Read(ref _responsesReceived);

    public long ResponsesSent => Interlocked.Read(ref _responsesSent);

    /// <summary>Error replies we sent (203 malformed, 203 bad token, 204 unknown method, 201 refused).</summary>
    public long ErrorsSent => Interlocked.Read(ref _errorsSent);

    public long ErrorsReceived => Interlocked.Read(ref _errorsReceived);

    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Responses or errors with an unknown transaction ID or from another endpoint than the query went to: dropped.</summary>
    public long UnmatchedResponses => Interlocked.Read(ref _unmatchedResponses);

    /// <summary>Responses whose "id" was not the ID we queried at that endpoint: dropped, the ID penalised.</summary>
    public long WrongIdResponses => Interlocked.Read(ref _wrongIdResponses);

    /// <summary>Responders dropped from a lookup for nonsense (garbage node lists, malformed responses).</summary>
    public long LiarsDropped => Interlocked.Read(ref _liarsDropped);

    /// <summary>Queries dropped by the per-source rate limit.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Queries not sent because the transaction table was full.</summary>
    public long TransactionTableFull => Interlocked.Read(ref _transactionTableFull);

    public long LookupsStarted => Interlocked.Read(ref _lookupsStarted);

    public long LookupsCompleted => Interlocked.Read(ref _lookupsCompleted);

    /// <summary>Lookups refused because the queue of waiting lookups was full.</summary>
    public long LookupsRefused => Interlocked.Read(ref _lookupsRefused);

    public long AnnouncesSent => Interlocked.Read(ref _announcesSent);

    /// <summary>announce_peer queries we accepted and stored.</summary>
    public long PeersStored => Interlocked.Read(ref _peersStored);

    internal void QuerySent(KrpcMethod method) => Interlocked.Increment(ref _queriesSent[(int)method]);

    internal void QueryReceived(KrpcMethod method) => Interlocked.Increment(ref _queriesReceived[(int)method]);

    internal void ResponseReceived() => Interlocked.Increment(ref _responsesReceived);

    internal void ResponseSent() => Interlocked.Increment(ref _responsesSent);

    internal void ErrorSent() => Interlocked.Increment(ref _errorsSent);

    internal void ErrorReceived() => Interlocked.Increment(ref _errorsReceived);

    internal void Timeout() => Interlocked.Increment(ref _timeouts);

    internal void UnmatchedResponse() => Interlocked.Increment(ref _unmatchedResponses);

    internal void WrongIdResponse() => Interlocked.Increment(ref _wrongIdResponses);

    internal void LiarDropped() => Interlocked.Increment(ref _liarsDropped);

    internal void RateLimitedQuery() => Interlocked.Increment(ref _rateLimited);

    internal void TransactionsFull() => Interlocked.Increment(ref _transactionTableFull);

    internal void LookupStarted() => Interlocked.Increment(ref _lookupsStarted);

    internal void LookupCompleted() => Interlocked.Increment(ref _lookupsCompleted);

    internal void LookupRefused() => Interlocked.Increment(ref _lookupsRefused);

    internal void AnnounceSent() => Interlocked.Increment(ref _announcesSent);

    internal void PeerStored() => Interlocked.Increment(ref _peersStored);

    private static long Sum(long[] counts)
    {
        long total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            total += Interlocked.Read(ref counts[i]);
        }

        return total;
    }
}
