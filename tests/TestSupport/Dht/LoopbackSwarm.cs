using System.Net;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Dht;

/// <summary>
/// N of our <see cref="DhtNode"/>s on real UDP sockets on loopback (issue 3 "a real loopback
/// network of 1,000 of our nodes"), all driven by one <see cref="LoopbackLoop"/> thread on
/// <see cref="TimeProvider.System"/>: what <see cref="DhtSimulation"/> does over a virtual network,
/// here with the kernel's sockets and real time, and open to nodes of other implementations (the
/// npm bittorrent-dht interop test). Shared by tests and the benchmark (no xunit in here).
/// </summary>
/// <remarks>
/// Nodes are touched only on the loop: every method here posts to it and returns a task, and
/// <see cref="InvokeAsync{T}"/> runs a caller's read there. Lookup callbacks complete their tasks
/// asynchronously, never on the loop. Disposing stops the loop, then closes every socket.
/// </remarks>
public sealed class LoopbackSwarm : IDisposable
{
    private static readonly TimeSpan DefaultJoinTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan WaveTimeout = TimeSpan.FromSeconds(60);

    private readonly LoopbackLoop _loop;
    private readonly LoopbackSocket[] _sockets;
    private readonly DhtNode[] _nodes;
    private readonly NodeId[] _ids;
    private readonly Random _random;
    private int _disposed;

    /// <summary>Binds <paramref name="count"/> sockets and makes their nodes; nothing is sent until a bootstrap.</summary>
    public LoopbackSwarm(int count, LoopbackSwarmOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        options ??= new LoopbackSwarmOptions();
        options.Validate();
        Seed = options.Seed ?? Random.Shared.Next();
        _random = new Random(Seed);
        _loop = new LoopbackLoop(PollAll, options.PollInterval, TimeProvider.System);
        _sockets = new LoopbackSocket[count];
        _nodes = new DhtNode[count];
        _ids = new NodeId[count];
        Span<byte> id = stackalloc byte[NodeId.Size];
        try
        {
            for (int i = 0; i < count; i++)
            {
                _random.NextBytes(id);
                _ids[i] = NodeId.Read(id);
                _sockets[i] = new LoopbackSocket(options.AddressPerNode ? AddressOf(i) : IPAddress.Loopback, _loop);
                _nodes[i] = new DhtNode(_ids[i], _sockets[i], TimeProvider.System, Drops,
                    options.Dht with { Random = new Random(Seed ^ (i * 7919 + 1)) });
            }
        }
        catch
        {
            foreach (var socket in _sockets)
            {
                socket?.Dispose();
            }

            throw;
        }

        _loop.Start();
        _loop.Post(() =>
        {
            for (int i = 0; i < _nodes.Length; i++)
            {
                _sockets[i].Start(_nodes[i]);
            }
        });
    }

    public int Count => _nodes.Length;

    /// <summary>The seed of the node IDs and of the swarm's random picks (print it with a failure).</summary>
    public int Seed { get; }

    /// <summary>Datagrams the nodes dropped (malformed, rate-limited), all nodes together.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>The exception that stopped the loop, if a node or a callback threw there.</summary>
    public Exception? LoopFault => _loop.Fault;

    public NodeId IdOf(int node) => _ids[node];

    /// <summary>Where node <paramref name="node"/> listens: a loopback address and its port.</summary>
    public PeerEndpoint EndpointOf(int node) => _sockets[node].Endpoint;

    /// <summary>
    /// The address node <paramref name="index"/> binds when each has its own: 127.b.c.d with b from
    /// 1 (clear of 127.0.0.1, where npm nodes and daemons live) and d never 0 or 255.
    /// </summary>
    public static IPAddress AddressOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int rest = index / 254;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rest / 256, 254, nameof(index));
        return new IPAddress([127, (byte)(1 + rest / 256), (byte)(rest % 256), (byte)(1 + index % 254)]);
    }

    /// <summary>Runs <paramref name="read"/> on the loop with node <paramref name="node"/> (its table, statistics…).</summary>
    public Task<T> InvokeAsync<T>(int node, Func<DhtNode, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var target = _nodes[node];
        return _loop.InvokeAsync(() => read(target));
    }

    /// <summary>An iterative lookup (<see cref="DhtNode.Lookup"/>) from <paramref name="node"/>.</summary>
    public Task<DhtLookupResult> LookupAsync(int node, NodeId target, LookupKind kind)
    {
        var from = _nodes[node];
        var done = new TaskCompletionSource<DhtLookupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Post(() => from.Lookup(target, kind, r => done.TrySetResult(r)));
        return done.Task;
    }

    /// <summary>Dial by ID (<see cref="DhtNode.LookupEndpoints"/>) from <paramref name="node"/>: stops once the ID is found.</summary>
    public Task<DhtLookupResult> LookupEndpointsAsync(int node, NodeId id)
    {
        var from = _nodes[node];
        var done = new TaskCompletionSource<DhtLookupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Post(() => from.LookupEndpoints(id, r => done.TrySetResult(r)));
        return done.Task;
    }

    /// <summary>
    /// Node <paramref name="node"/> joins through <paramref name="through"/> (any BEP 5 nodes on
    /// loopback, ours or not); completes when its join (self-lookup and bucket refreshes) is over.
    /// </summary>
    public Task BootstrapAsync(int node, IReadOnlyList<PeerEndpoint> through, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(through);
        var joining = _nodes[node];
        _loop.Post(() => joining.Bootstrap(through));
        return _loop.WhenAsync(() => joining.IsBootstrapped && joining.RunningLookups == 0, timeout, $"the join of node {node}");
    }

    /// <summary>
    /// Node <paramref name="node"/> announces its own ID as an info-hash at its UDP port (DESIGN.md
    /// "DHT"); completes once its announce_peer queries are sent and answered or timed out.
    /// </summary>
    public async Task AnnounceAsync(int node, TimeSpan timeout)
    {
        var announcer = _nodes[node];
        ushort port = EndpointOf(node).Port;
        long before = await _loop.InvokeAsync(() =>
        {
            long sent = announcer.Statistics.AnnouncesSent;
            announcer.Announce(port);
            return sent;
        }).ConfigureAwait(false);
        await _loop.WhenAsync(() => announcer.Statistics.AnnouncesSent > before && announcer.PendingQueries == 0,
            timeout, $"the announce of node {node}").ConfigureAwait(false);
    }

    /// <summary>
    /// Joins every node, as a network grows: the first <paramref name="seeds"/> bootstrap from each
    /// other, then waves of at most <paramref name="maxWave"/> nodes (and at most as many as have
    /// joined) each bootstrap from one random node already in; each wave is waited for before the
    /// next starts. Then, with <paramref name="announce"/>, every node announces its ID, in waves of
    /// the same size: after the join, so that each announce reaches the k nodes closest to the ID
    /// in the whole swarm (an announce made while the network was small would reach nodes that are
    /// no longer the closest until the 15-minute re-announce, BEP 5).
    /// </summary>
    public async Task JoinAsync(int seeds = 4, int maxWave = 128, bool announce = true, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWave, 1);
        seeds = Math.Clamp(seeds, 1, _nodes.Length);
        long started = TimeProvider.System.GetTimestamp();
        var limit = timeout ?? DefaultJoinTimeout;
        var seedEndpoints = Enumerable.Range(0, seeds).Select(EndpointOf).ToArray();
        if (seeds > 1)
        {
            await JoinWaveAsync(0, seeds, i => seedEndpoints.Where((_, j) => j != i).ToArray()).ConfigureAwait(false);
        }

        int joined = seeds;
        while (joined < _nodes.Length)
        {
            int end = Math.Min(_nodes.Length, joined + Math.Min(maxWave, joined));
            int known = joined;
            await JoinWaveAsync(joined, end, _ => [EndpointOf(_random.Next(known))]).ConfigureAwait(false);
            joined = end;
            ThrowIfLate(started, limit, $"only {joined} of {_nodes.Length} nodes joined");
        }

        for (int start = 0; announce && start < _nodes.Length; start += maxWave)
        {
            int end = Math.Min(_nodes.Length, start + maxWave);
            await Task.WhenAll(Enumerable.Range(start, end - start).Select(i => AnnounceAsync(i, WaveTimeout))).ConfigureAwait(false);
            ThrowIfLate(started, limit, $"only {end} of {_nodes.Length} nodes announced");
        }
    }

    /// <summary>
    /// Completes when <paramref name="condition"/> holds of node <paramref name="node"/> (checked on
    /// the loop at each poll); fails with <see cref="TimeoutException"/> naming <paramref name="what"/>.
    /// </summary>
    public Task WhenAsync(int node, Func<DhtNode, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var target = _nodes[node];
        return _loop.WhenAsync(() => condition(target), timeout, what);
    }

    /// <summary>Completes when no node has a lookup running or a query outstanding.</summary>
    public Task WhenQuietAsync(TimeSpan timeout) =>
        _loop.WhenAsync(() => _nodes.All(n => n.RunningLookups == 0 && n.PendingQueries == 0), timeout, "quiet");

    /// <summary>Socket counters over all nodes, read on the loop.</summary>
    public Task<LoopbackSwarmCounters> CountersAsync() => _loop.InvokeAsync(() => new LoopbackSwarmCounters(
        _sockets.Sum(s => s.Sent), _sockets.Sum(s => s.Received), _sockets.Sum(s => s.SendErrors),
        _sockets.Sum(s => s.ReceiveErrors), _loop.Delivered));

    private Task JoinWaveAsync(int start, int end, Func<int, PeerEndpoint[]> bootstrapOf)
    {
        var through = Enumerable.Range(start, end - start).Select(bootstrapOf).ToArray();
        return Task.WhenAll(Enumerable.Range(start, end - start).Select(i => BootstrapAsync(i, through[i - start], WaveTimeout)));
    }

    private void ThrowIfLate(long started, TimeSpan limit, string what)
    {
        if (TimeProvider.System.GetElapsedTime(started) > limit)
        {
            throw new TimeoutException($"loopback swarm: {what} within {limit.TotalSeconds:F0} s (seed {Seed})");
        }
    }

    private void PollAll()
    {
        foreach (var node in _nodes)
        {
            node.Poll();
        }
    }

    /// <summary>Stops the loop, then closes every socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loop.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}

/// <summary>Datagrams over all nodes of a <see cref="LoopbackSwarm"/>.</summary>
public readonly record struct LoopbackSwarmCounters(long Sent, long Received, long SendErrors, long ReceiveErrors, long Delivered);
