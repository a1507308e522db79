using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Interop;

/// <summary>How <see cref="NpmDht.StartNodeAsync"/> starts an npm node. Null means the package default.</summary>
public sealed record NpmDhtNodeOptions
{
    /// <summary>UDP port on 127.0.0.1; 0 takes a free one.</summary>
    public int Port { get; init; }

    /// <summary>Loopback nodes to bootstrap from; empty means none (never the public routers).</summary>
    public IReadOnlyList<PeerEndpoint> Bootstrap { get; init; } = [];

    /// <summary>The node's 160-bit ID; random when null.</summary>
    public NodeId? NodeId { get; init; }

    /// <summary>Bucket size (k-rpc default 20, as BEP 5 and the paper).</summary>
    public int? K { get; init; }

    /// <summary>Queries in flight at once (k-rpc default 16).</summary>
    public int? Concurrency { get; init; }

    /// <summary>Per-query timeout of the npm node (k-rpc-socket default 2 s).</summary>
    public TimeSpan? QueryTimeout { get; init; }

    /// <summary>Reply only after the bootstrap lookup ended (the package's 'ready'), not on 'listening'.</summary>
    public bool WaitForReady { get; init; } = true;
}

/// <summary>What an npm lookup found and cost.</summary>
/// <param name="Peers">Peers announced for the info-hash (BEP 5 get_peers "values"), deduplicated.</param>
/// <param name="Queries">get_peers queries this lookup sent.</param>
/// <param name="QueriesAll">Every query the node sent while the lookup ran (includes background pings).</param>
/// <param name="Replies">Replies the lookup received (k-rpc closest's count).</param>
/// <param name="ElapsedMs">Wall time inside node, from lookup() to its callback.</param>
public sealed record NpmLookupResult(IReadOnlyList<PeerEndpoint> Peers, int Queries, int QueriesAll, int Replies, double ElapsedMs);

/// <summary>One routing-table entry of an npm node.</summary>
public sealed record NpmRoutingEntry(NodeId Id, PeerEndpoint EndPoint);

/// <summary>Query counts per BEP 5 method name, and datagrams the driver's loopback fence refused.</summary>
public sealed record NpmDhtStats(IReadOnlyDictionary<string, int> Sent, IReadOnlyDictionary<string, int> Received, int Fenced);

/// <summary>A handle on one npm bittorrent-dht node inside an <see cref="NpmDht"/> driver.</summary>
public sealed class NpmDhtNode
{
    private readonly NpmDht _driver;

    internal NpmDhtNode(NpmDht driver, int handle, NodeId id, int port)
    {
        _driver = driver;
        Handle = handle;
        Id = id;
        EndPoint = PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>The driver's name for this node.</summary>
    public int Handle { get; }

    /// <summary>The node's BEP 5 node ID.</summary>
    public NodeId Id { get; }

    /// <summary>127.0.0.1 and the node's UDP port.</summary>
    public PeerEndpoint EndPoint { get; }

    public override string ToString() => $"npm node {Handle} {Id} at {EndPoint}";

    /// <summary>
    /// Announces this node's peer for <paramref name="infoHash"/> (a lookup for tokens, then BEP 5
    /// announce_peer to the closest nodes). Null <paramref name="port"/> sets implied_port=1.
    /// Returns how many nodes accepted it when the package says so.
    /// </summary>
    public async Task<int?> AnnounceAsync(NodeId infoHash, int? port = null, CancellationToken cancellationToken = default)
    {
        var request = Command("announce");
        request["infoHash"] = infoHash.ToString();
        if (port is { } p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(p, ushort.MaxValue);
            request["port"] = p;
        }

        JsonElement reply = await _driver.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return reply.TryGetProperty("replies", out var replies) && replies.ValueKind == JsonValueKind.Number ? replies.GetInt32() : null;
    }

    /// <summary>An iterative get_peers lookup (BEP 5) for <paramref name="infoHash"/>.</summary>
    public async Task<NpmLookupResult> LookupAsync(NodeId infoHash, CancellationToken cancellationToken = default)
    {
        var request = Command("lookup");
        request["infoHash"] = infoHash.ToString();
        JsonElement reply = await _driver.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var peers = reply.GetProperty("peers").EnumerateArray().Select(p => PeerEndpoint.Parse(p.GetString() ?? "")).ToList();
        return new NpmLookupResult(
            peers,
            reply.GetProperty("queries").GetInt32(),
            reply.GetProperty("queriesAll").GetInt32(),
            reply.GetProperty("replies").GetInt32(),
            reply.GetProperty("elapsedMs").GetDouble());
    }

    /// <summary>The node's routing table (k-rpc's k-bucket).</summary>
    public async Task<IReadOnlyList<NpmRoutingEntry>> NodesAsync(CancellationToken cancellationToken = default)
    {
        JsonElement reply = await _driver.SendAsync(Command("nodes"), cancellationToken).ConfigureAwait(false);
        return reply.GetProperty("nodes").EnumerateArray()
            .Select(n => new NpmRoutingEntry(
                NodeId.Parse(n.GetProperty("id").GetString() ?? ""),
                PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(n.GetProperty("host").GetString() ?? ""), n.GetProperty("port").GetInt32()))))
            .ToList();
    }

    /// <summary>
    /// Offers a node to the routing table. The package pings it and adds it when the pong comes, so
    /// this returns before the node is in the table: poll <see cref="NodesAsync"/> to wait for it.
    /// </summary>
    public Task AddNodeAsync(PeerEndpoint endPoint, CancellationToken cancellationToken = default)
    {
        var ip = RequireLoopback(endPoint).ToIPEndPoint();
        var request = Command("addNode");
        request["host"] = ip.Address.ToString();
        request["port"] = ip.Port;
        return _driver.SendAsync(request, cancellationToken);
    }

    /// <summary>Queries sent and received so far, per method.</summary>
    public async Task<NpmDhtStats> StatsAsync(CancellationToken cancellationToken = default)
    {
        JsonElement reply = await _driver.SendAsync(Command("stats"), cancellationToken).ConfigureAwait(false);
        return new NpmDhtStats(Counts(reply.GetProperty("sent")), Counts(reply.GetProperty("received")), reply.GetProperty("fenced").GetInt32());
    }

    /// <summary>Destroys this node (closes its socket); other nodes of the driver keep running.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _driver.SendAsync(Command("stop"), cancellationToken);

    /// <summary>Only IPv4 loopback: the npm nodes bind udp4 on 127.0.0.1 and must touch nothing else.</summary>
    internal static PeerEndpoint RequireLoopback(PeerEndpoint endPoint)
    {
        var ip = endPoint.ToIPEndPoint();
        if (!endPoint.IsIPv4 || !IPAddress.IsLoopback(ip.Address) || ip.Port == 0)
        {
            throw new ArgumentException($"{endPoint} is not an IPv4 loopback address with a port; npm DHT nodes only talk to 127.0.0.0/8", nameof(endPoint));
        }

        return endPoint;
    }

    private JsonObject Command(string name) => new() { ["cmd"] = name, ["node"] = Handle };

    private static Dictionary<string, int> Counts(JsonElement counts) =>
        counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
}
