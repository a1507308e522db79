using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Dht;

/// <summary>
/// N <see cref="DhtNode"/>s on one <see cref="SimulatedNetwork"/> under a <see cref="FakeTimeProvider"/>
/// (issue 3 "simulation"): nodes join in waves, each bootstrapping from one of a few seeds and
/// announcing its own ID; then batches of dial-by-ID lookups run, optionally after a fraction of
/// the nodes has gone. Everything random comes from the seed, so a run is reproducible. Shared by
/// the test suite and the benchmark (no xunit in here).
/// </summary>
/// <remarks>
/// Cost model: time jumps from one datagram's due time to the next. Nodes are polled (so their
/// query timeouts fire) only while they have something outstanding, every
/// <see cref="SimulationOptions.PollInterval"/>; every node is polled each
/// <see cref="SimulationOptions.FullPollInterval"/> for its maintenance, as the daemon's loop would.
/// </remarks>
public sealed class DhtSimulation
{
    private const ushort Port = 6881;

    private readonly SimulationOptions _options;
    private readonly FakeTimeProvider _time;
    private readonly SimulatedNetwork _network;
    private readonly Random _random;
    private readonly DhtNode[] _nodes;
    private readonly NodeId[] _ids;
    private readonly bool[] _liar;
    private readonly List<LyingNode> _lyingNodes = new();
    private readonly bool[] _active;
    private readonly List<int> _activeList = new();
    private readonly long _pollTicks;
    private readonly long _fullPollTicks;
    private long _nextPoll;
    private long _nextFullPoll;
    private int _joined;
    private int _gone;

    public DhtSimulation(int nodeCount, SimulationOptions? options = null, DhtOptions? dhtOptions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 2);
        _options = options ?? new SimulationOptions();
        _time = new FakeTimeProvider(_options.Seed);
        _random = new Random(_options.Seed);
        _network = new SimulatedNetwork(_time, nodeCount, _options.Seed, _options.MinLatency, _options.MaxLatency,
            _options.LossRate);
        var dht = (dhtOptions ?? new DhtOptions()) with { Random = new Random(_options.Seed ^ 0x5EED) };
        _nodes = new DhtNode[nodeCount];
        _ids = new NodeId[nodeCount];
        _liar = new bool[nodeCount];
        _active = new bool[nodeCount];
        Span<byte> id = stackalloc byte[NodeId.Size];
        Action<int> onSend = MarkActive;
        var lieRandom = new Random(_options.Seed ^ 0x11E5);
        for (int i = 0; i < nodeCount; i++)
        {
            _random.NextBytes(id);
            _ids[i] = NodeId.Read(id);
            _nodes[i] = new DhtNode(_ids[i], _network.SenderFor(i, onSend), _time, Drops, dht);
            IDatagramHandler handler = _nodes[i];
            if (_random.NextDouble() < _options.LiarFraction)
            {
                _liar[i] = true;
                Liars++;
                var liar = new LyingNode(_nodes[i], _network, i, _ids[i], Liars % 2 == 0 ? LieKind.GarbageNodes : LieKind.WrongId,
                    lieRandom, dht.K);
                _lyingNodes.Add(liar);
                handler = liar;
            }

            _network.Attach(i, handler);
        }

        _pollTicks = _options.PollInterval.Ticks;
        _fullPollTicks = _options.FullPollInterval.Ticks;
        _nextPoll = _time.GetTimestamp() + _pollTicks;
        _nextFullPoll = _time.GetTimestamp() + _fullPollTicks;
    }

    public int Count => _nodes.Length;

    public int LiveCount => _nodes.Length - _gone;

    public int Liars { get; }

    public FakeTimeProvider Time => _time;

    public SimulatedNetwork Network => _network;

    public DropCounters Drops { get; } = new();

    public DhtNode this[int index] => _nodes[index];

    public PeerEndpoint EndpointOf(int index) => _network.EndpointOf(index);

    public bool IsGone(int index) => _network.IsDown(index);

    public bool IsLiar(int index) => _liar[index];

    /// <summary>Whether the liars lie now (they do from the start unless told otherwise).</summary>
    public bool LiarsLying
    {
        get => _lyingNodes.Count > 0 && _lyingNodes[0].Lying;
        set => _lyingNodes.ForEach(l => l.Lying = value);
    }

    /// <summary>Lies told so far by all liars.</summary>
    public long LiesTold => _lyingNodes.Sum(l => l.LiesTold);

    /// <summary>
    /// Joins every node: the first <paramref name="seeds"/> bootstrap from each other, then waves of
    /// at most <paramref name="wave"/> nodes (and at most as many as have joined) each bootstrap from
    /// one seed (a self-lookup); each wave announces its ID while the next one joins.
    /// </summary>
    public void Join(int seeds, int wave, TimeSpan waveTime, bool announce = true)
    {
        seeds = Math.Clamp(seeds, 1, _nodes.Length);
        var seedEndpoints = new PeerEndpoint[seeds];
        for (int i = 0; i < seeds; i++)
        {
            seedEndpoints[i] = EndpointOf(i);
        }

        for (int i = 0; i < seeds; i++)
        {
            _nodes[i].Bootstrap(seedEndpoints.Where((_, j) => j != i).ToArray());
        }

        _joined = seeds;
        RunFor(waveTime);
        int previousStart = 0, previousEnd = seeds;
        while (_joined < _nodes.Length)
        {
            // A wave is never larger than the network it joins (it doubles up to wave): a thousand
            // nodes bootstrapping at once off four seeds that know nobody yet would find nobody,
            // which is no network anyone runs.
            int start = _joined, end = Math.Min(_nodes.Length, start + Math.Min(wave, _joined));
            for (int i = start; i < end; i++)
            {
                _nodes[i].Bootstrap([seedEndpoints[i % seeds]]);
            }

            _joined = end;
            if (announce)
            {
                AnnounceRange(previousStart, previousEnd);
            }

            previousStart = start;
            previousEnd = end;
            RunFor(waveTime);
        }

        if (announce)
        {
            AnnounceRange(previousStart, previousEnd);
            RunFor(waveTime);
        }
    }

    /// <summary>Takes a random <paramref name="fraction"/> of the live nodes off the network without a word (crash, power cut).</summary>
    public void RemoveFraction(double fraction)
    {
        int target = (int)(_nodes.Length * fraction);
        for (int removed = 0; removed < target;)
        {
            int i = _random.Next(_nodes.Length);
            if (!_network.IsDown(i))
            {
                _network.SetDown(i, true);
                _gone++;
                removed++;
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> dial-by-ID lookups (<see cref="DhtNode.LookupEndpoints"/>) from a
    /// random live honest node for a random other live honest node's ID, <paramref name="parallel"/>
    /// at a time. A lookup succeeds when the target's endpoint is among those it returns.
    /// </summary>
    public SimulationReport RunLookups(int count, int parallel, TimeSpan maxBatchTime)
    {
        var hops = new List<int>(count);
        var roundTrips = new List<int>(count);
        var elapsed = new List<TimeSpan>(count);
        var failures = new List<FailedLookup>();
        long queries = 0, responses = 0;
        int succeeded = 0, finished = 0;
        for (int started = 0; started < count;)
        {
            int batch = Math.Min(parallel, count - started);
            int batchDone = 0;
            for (int b = 0; b < batch; b++)
            {
                int source = PickHonest();
                int target;
                do
                {
                    target = PickHonest();
                }
                while (target == source);

                var expected = EndpointOf(target);
                _nodes[source].LookupEndpoints(_ids[target], result =>
                {
                    batchDone++;
                    finished++;
                    queries += result.Stats.QueriesSent;
                    responses += result.Stats.Responses;
                    elapsed.Add(result.Stats.Elapsed);
                    if (result.Endpoints().Contains(expected))
                    {
                        succeeded++;
                        hops.Add(result.Stats.Hops);
                        roundTrips.Add(result.Stats.RoundTrips);
                    }
                    else
                    {
                        failures.Add(Diagnose(source, target, result));
                    }
                });
                MarkActive(source);
            }

            started += batch;
            RunUntil(() => batchDone == batch, maxBatchTime);
        }

        hops.Sort();
        roundTrips.Sort();
        elapsed.Sort();
        return new SimulationReport(_nodes.Length, LiveCount, count, succeeded, Percentile(hops, 0.5), Percentile(hops, 0.9),
            Percentile(roundTrips, 0.5), Percentile(roundTrips, 0.9), (double)queries / Math.Max(1, finished),
            (double)(queries + responses) / Math.Max(1, finished), elapsed.Count == 0 ? TimeSpan.Zero : elapsed[elapsed.Count / 2],
            failures);
    }

    /// <summary>Advances virtual time by <paramref name="duration"/>.</summary>
    public void RunFor(TimeSpan duration) => RunUntil(static () => false, duration);

    /// <summary>Advances until <paramref name="done"/> holds (checked at each poll tick) or <paramref name="max"/> has passed; true if done.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan max)
    {
        long end = _time.GetTimestamp() + max.Ticks;
        while (_time.GetTimestamp() < end)
        {
            long tick = Math.Min(Math.Min(_nextPoll, _nextFullPoll), end);
            _network.DeliverUntil(tick);
            if (tick >= _nextFullPoll)
            {
                _nextFullPoll += _fullPollTicks;
                _nextPoll = tick + _pollTicks;
                PollAll();
            }
            else if (tick >= _nextPoll)
            {
                _nextPoll += _pollTicks;
                PollActive();
            }

            if (done())
            {
                return true;
            }
        }

        return done();
    }

    /// <summary>A random live node that tells the truth.</summary>
    public int PickHonest()
    {
        while (true)
        {
            int i = _random.Next(_nodes.Length);
            if (!_network.IsDown(i) && !_liar[i])
            {
                return i;
            }
        }
    }

    private void AnnounceRange(int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (!_network.IsDown(i))
            {
                _nodes[i].Announce(Port);
            }
        }
    }

    private void MarkActive(int node)
    {
        if (!_active[node])
        {
            _active[node] = true;
            _activeList.Add(node);
        }
    }

    private void PollActive()
    {
        // Nodes polled may send (and so join the list): iterate by index over a list that can grow.
        int kept = 0;
        for (int i = 0; i < _activeList.Count; i++)
        {
            int n = _activeList[i];
            var node = _nodes[n];
            if (!_network.IsDown(n))
            {
                node.Poll();
            }

            if (!_network.IsDown(n) && (node.PendingQueries > 0 || node.RunningLookups > 0))
            {
                _activeList[kept++] = n;
            }
            else
            {
                _active[n] = false;
            }
        }

        _activeList.RemoveRange(kept, _activeList.Count - kept);
    }

    private void PollAll()
    {
        for (int i = 0; i < _joined; i++)
        {
            if (!_network.IsDown(i))
            {
                _nodes[i].Poll();
            }
        }

        PollActive();
    }

    /// <summary>What the network knew of a target its lookup missed: who holds it in a table, who stored its announce.</summary>
    private FailedLookup Diagnose(int source, int target, DhtLookupResult result)
    {
        const int Nearest = 20;
        var targetId = _ids[target];
        var nearest = Enumerable.Range(0, _nodes.Length)
            .Where(i => i != target && !_network.IsDown(i) && !_liar[i])
            .OrderBy(i => targetId.Xor(_ids[i]))
            .Take(Nearest)
            .ToArray();
        int holders = nearest.Count(i => _nodes[i].Table.TryGet(targetId, out _));
        int announced = nearest.Count(i => _nodes[i].PeerStore.GetPeers(targetId, 8).Contains(EndpointOf(target)));
        int rank = -1;
        if (result.ClosestNodes.Count > 0)
        {
            var best = targetId.Xor(result.ClosestNodes[0].Id);
            rank = Enumerable.Range(0, _nodes.Length).Count(i => i != target && !_network.IsDown(i) && targetId.Xor(_ids[i]).CompareTo(best) < 0);
        }

        return new FailedLookup(source, target, targetId, result.Stats, result.ClosestNodes.Count, rank, holders, announced,
            nearest.Length, result.Peers.Count, _nodes[target].Table.Count, _nodes[target].IsBootstrapped);
    }

    private static double Percentile(List<int> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
