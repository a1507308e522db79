using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Routing;

/// <summary>
/// One contact of the routing table (or of a bucket's replacement cache). Times are
/// <see cref="TimeProvider.GetTimestamp"/> values of the table's clock (monotonic, so a wall-clock
/// step at boot does not age every node at once). Only the table changes an entry.
/// </summary>
public sealed class RoutingEntry
{
    /// <summary>"Never" in the time fields: plain longs rather than long? keep an entry 24 bytes smaller.</summary>
    private const long Never = long.MinValue;

    private readonly StatusRules _rules;
    private long _lastResponse = Never;
    private long _lastQuery = Never;
    private long _pingRequestedAt = Never;

    internal RoutingEntry(NodeId id, PeerEndpoint endpoint, long firstSeen, StatusRules rules)
    {
        Id = id;
        Endpoint = endpoint;
        FirstSeen = firstSeen;
        LastSeen = firstSeen;
        _rules = rules;
    }

    public NodeId Id { get; }

    public PeerEndpoint Endpoint { get; internal set; }

    public long FirstSeen { get; internal set; }

    /// <summary>Last message of any kind from this node at this endpoint.</summary>
    public long LastSeen { get; internal set; }

    /// <summary>Last response to one of our queries; null if it never answered (unverified).</summary>
    public long? LastResponse
    {
        get => _lastResponse == Never ? null : _lastResponse;
        internal set => _lastResponse = value ?? Never;
    }

    /// <summary>Last query it sent us; null if none.</summary>
    public long? LastQuery
    {
        get => _lastQuery == Never ? null : _lastQuery;
        internal set => _lastQuery = value ?? Never;
    }

    /// <summary>Queries in a row that went unanswered; reset by any response.</summary>
    public int ConsecutiveFailures { get; internal set; }

    /// <summary>When the table last asked its owner to ping this node (null when no ping is outstanding).</summary>
    internal long? PingRequestedAt
    {
        get => _pingRequestedAt == Never ? null : _pingRequestedAt;
        set => _pingRequestedAt = value ?? Never;
    }

    /// <summary>It answered at least one of our queries since it entered the table.</summary>
    public bool IsVerified => _lastResponse != Never;

    public NodeStatus Status => _rules.StatusOf(this, _rules.Time.GetTimestamp());

    public override string ToString() => $"{Id}@{Endpoint} {Status}";
}

/// <summary>The BEP 5 good/questionable/bad rules with the table's clock and thresholds.</summary>
internal sealed class StatusRules
{
    public StatusRules(TimeProvider time, TimeSpan goodWindow, int failuresBeforeBad)
    {
        Time = time;
        GoodWindow = goodWindow;
        FailuresBeforeBad = failuresBeforeBad;
    }

    public TimeProvider Time { get; }

    public TimeSpan GoodWindow { get; }

    public int FailuresBeforeBad { get; }

    public bool IsRecent(long? at, long now) => at is { } t && Time.GetElapsedTime(t, now) < GoodWindow;

    /// <remarks>
    /// BEP 5 "Routing Table": good = responded within 15 minutes, or responded ever and queried us
    /// within 15 minutes; bad = failed several queries in a row; questionable otherwise. Our one
    /// tightening: a node that has just missed a query is not "good" until it answers again, so the
    /// uptime-first rule never shields a node that has stopped answering.
    /// </remarks>
    public NodeStatus StatusOf(RoutingEntry entry, long now)
    {
        if (entry.ConsecutiveFailures >= FailuresBeforeBad)
        {
            return NodeStatus.Bad;
        }

        if (entry.ConsecutiveFailures == 0 && entry.LastResponse is not null
            && (IsRecent(entry.LastResponse, now) || IsRecent(entry.LastQuery, now)))
        {
            return NodeStatus.Good;
        }

        return NodeStatus.Questionable;
    }
}
