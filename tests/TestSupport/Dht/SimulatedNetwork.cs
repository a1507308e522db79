using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Dht;

/// <summary>
/// A lean datagram network for simulations of many thousands of nodes (issue 3 "simulation"):
/// one priority queue of (due time, send order) → datagram under a <see cref="FakeTimeProvider"/>.
/// Unlike <see cref="InMemoryDatagramNetwork"/> it keeps no per-link state: the one-way latency of
/// a link is a seeded hash of its two endpoints (so it is stable per pair, symmetric, and costs no
/// memory), loss is Bernoulli from one seeded <see cref="Random"/>, and datagram buffers are
/// pooled. Nodes are numbered 0..N-1; node i lives at <see cref="EndpointOf"/>(i).
/// </summary>
/// <remarks>
/// Single-threaded: the simulation calls <see cref="DeliverUntil"/>, which advances the clock to
/// each datagram's due time and hands it to the receiver; replies sent from inside a receive are
/// queued, never delivered re-entrantly. Datagrams to a node that is down, or to an address no
/// node has, vanish like UDP to a dead host (counted in <see cref="ToNowhere"/>).
/// </remarks>
public sealed class SimulatedNetwork
{
    /// <summary>Largest datagram carried (a KRPC message is at most 1500 bytes; we allow a full Ethernet MTU).</summary>
    public const int MaxDatagramSize = 1500;

    private const ushort Port = 6881;

    private readonly FakeTimeProvider _time;
    private readonly Random _random;
    private readonly ulong _latencySeed;
    private long _minLatencyTicks;
    private long _latencySpanTicks;
    private double _lossRate;
    private readonly IDatagramHandler?[] _handlers;
    private readonly bool[] _down;
    private readonly PeerEndpoint[] _endpoints;
    private readonly Dictionary<PeerEndpoint, int> _indexOf;
    private readonly PriorityQueue<Packet, (long Due, long Order)> _queue = new();
    // Buffers pooled by size class (multiples of PoolGranule up to MaxDatagramSize), so a join
    // burst of 100,000 small queries in flight does not hold 100,000 full-MTU buffers.
    private readonly Stack<byte[]>[] _pools = CreatePools();
    private long _order;

    public SimulatedNetwork(FakeTimeProvider time, int nodeCount, int seed, TimeSpan minLatency, TimeSpan maxLatency,
        double lossRate)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 0x00FF_FFFE);
        _time = time;
        _random = new Random(seed);
        _latencySeed = (ulong)(uint)seed * 0x9E37_79B9_7F4A_7C15UL + 1;
        SetConditions(minLatency, maxLatency, lossRate);
        _handlers = new IDatagramHandler?[nodeCount];
        _down = new bool[nodeCount];
        _endpoints = new PeerEndpoint[nodeCount];
        _indexOf = new Dictionary<PeerEndpoint, int>(nodeCount);
        for (int i = 0; i < nodeCount; i++)
        {
            // 10.0.0.1 upwards as IPv4-mapped addresses: one host per node, so per-IP limits see distinct hosts.
            _endpoints[i] = new PeerEndpoint(0, 0x0000_FFFF_0000_0000UL | 0x0A00_0000UL | (uint)(i + 1), Port);
            _indexOf.Add(_endpoints[i], i);
        }
    }

    public int Count => _handlers.Length;

    /// <summary>
    /// Sets every link's one-way latency range and the loss rate from now on (datagrams in flight
    /// keep their due time). Each link's latency stays a seeded hash of its two endpoints.
    /// </summary>
    public void SetConditions(TimeSpan minLatency, TimeSpan maxLatency, double lossRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLatency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLatency, minLatency);
        if (!(lossRate >= 0 && lossRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lossRate), lossRate, "loss must be in [0, 1)");
        }

        _minLatencyTicks = minLatency.Ticks;
        _latencySpanTicks = maxLatency.Ticks - minLatency.Ticks;
        _lossRate = lossRate;
    }

    /// <summary>Datagrams handed to <see cref="Send"/>.</summary>
    public long Sent { get; private set; }

    /// <summary>Datagrams handed to a receiver.</summary>
    public long Delivered { get; private set; }

    /// <summary>Datagrams lost to the loss rate.</summary>
    public long Lost { get; private set; }

    /// <summary>Datagrams to a node that is down or an address nobody has.</summary>
    public long ToNowhere { get; private set; }

    /// <summary>Datagrams in flight.</summary>
    public int InFlight => _queue.Count;

    /// <summary>Due time (timestamp) of the next datagram, or null when none is in flight.</summary>
    public long? NextDue => _queue.TryPeek(out _, out var priority) ? priority.Due : null;

    public PeerEndpoint EndpointOf(int node) => _endpoints[node];

    /// <summary>The node at <paramref name="endpoint"/>, or -1.</summary>
    public int IndexOf(PeerEndpoint endpoint) => _indexOf.TryGetValue(endpoint, out int i) ? i : -1;

    /// <summary>Binds node <paramref name="node"/>'s receiver.</summary>
    public void Attach(int node, IDatagramHandler handler) => _handlers[node] = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>Takes a node off the network: it neither receives nor (by the simulation's choice) sends any more.</summary>
    public void SetDown(int node, bool down) => _down[node] = down;

    public bool IsDown(int node) => _down[node];

    /// <summary>The sender node <paramref name="node"/> hands to its protocol code.</summary>
    public IDatagramSender SenderFor(int node, Action<int>? onSend = null) => new NodeSender(this, node, onSend);

    /// <summary>One-way latency of the link between two nodes: a seeded hash of the unordered pair.</summary>
    public TimeSpan LatencyBetween(int a, int b) => TimeSpan.FromTicks(LatencyTicks(a, b));

    public void Send(int from, ReadOnlySpan<byte> datagram, PeerEndpoint to)
    {
        Sent++;
        if (datagram.Length > MaxDatagramSize)
        {
            ToNowhere++;
            return;
        }

        int target = IndexOf(to);
        if (target < 0 || _down[target])
        {
            ToNowhere++;
            return;
        }

        if (_lossRate > 0 && _random.NextDouble() < _lossRate)
        {
            Lost++;
            return;
        }

        var pool = _pools[SizeClass(datagram.Length)];
        var buffer = pool.Count > 0 ? pool.Pop() : new byte[Math.Min(MaxDatagramSize, (SizeClass(datagram.Length) + 1) * PoolGranule)];
        datagram.CopyTo(buffer);
        long due = _time.GetTimestamp() + LatencyTicks(from, target);
        _queue.Enqueue(new Packet(from, target, buffer, datagram.Length), (due, _order++));
    }

    /// <summary>
    /// Delivers, in due order, every datagram due at or before <paramref name="timestamp"/>
    /// (including replies sent meanwhile that fall due in time), advancing the clock to each one's
    /// due time; then advances the clock to <paramref name="timestamp"/>. Returns the number delivered.
    /// </summary>
    public int DeliverUntil(long timestamp)
    {
        int delivered = 0;
        while (_queue.TryPeek(out var packet, out var priority) && priority.Due <= timestamp)
        {
            _queue.Dequeue();
            long now = _time.GetTimestamp();
            if (priority.Due > now)
            {
                _time.Advance(TimeSpan.FromTicks(priority.Due - now));
            }

            if (!_down[packet.To] && _handlers[packet.To] is { } handler)
            {
                Delivered++;
                delivered++;
                handler.Handle(packet.Buffer.AsSpan(0, packet.Length), _endpoints[packet.From]);
            }
            else
            {
                ToNowhere++;
            }

            _pools[SizeClass(packet.Length)].Push(packet.Buffer);
        }

        long end = _time.GetTimestamp();
        if (timestamp > end)
        {
            _time.Advance(TimeSpan.FromTicks(timestamp - end));
        }

        return delivered;
    }

    private const int PoolGranule = 128;

    private static int SizeClass(int length) => Math.Max(0, length - 1) / PoolGranule;

    private static Stack<byte[]>[] CreatePools()
    {
        var pools = new Stack<byte[]>[SizeClass(MaxDatagramSize) + 1];
        for (int i = 0; i < pools.Length; i++)
        {
            pools[i] = new Stack<byte[]>();
        }

        return pools;
    }

    private long LatencyTicks(int a, int b)
    {
        if (_latencySpanTicks == 0)
        {
            return _minLatencyTicks;
        }

        ulong lo = (ulong)Math.Min(a, b), hi = (ulong)Math.Max(a, b);
        ulong h = Mix(_latencySeed ^ Mix((lo << 32) | hi));
        return _minLatencyTicks + (long)(h % (ulong)(_latencySpanTicks + 1));
    }

    /// <summary>SplitMix64's finaliser (Steele, Lea &amp; Flood 2014): a cheap, well-spread 64-bit hash.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    private readonly record struct Packet(int From, int To, byte[] Buffer, int Length);

    private sealed class NodeSender : IDatagramSender
    {
        private readonly SimulatedNetwork _network;
        private readonly int _node;
        private readonly Action<int>? _onSend;

        public NodeSender(SimulatedNetwork network, int node, Action<int>? onSend)
        {
            _network = network;
            _node = node;
            _onSend = onSend;
        }

        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
            if (_network._down[_node])
            {
                return;
            }

            _onSend?.Invoke(_node);
            _network.Send(_node, datagram, to);
        }
    }
}
