using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport;

/// <summary>
/// An in-memory "universe" of UDP endpoints (STYLE.md 9; the idea of wireguard-go's bindtest and
/// toxcore's NetworkUniverse), so protocol code runs over a seeded, impaired network under a fake
/// clock.
/// <para>
/// Design. <see cref="Attach(PeerEndpoint, Action{byte[], PeerEndpoint})"/> binds a receive callback
/// to an address and returns the <see cref="IDatagramSender"/> for that address. A sent datagram is
/// copied, run through the link's <see cref="LinkConditions"/> with the network's one seeded
/// <see cref="Random"/> (so a seed and the same sequence of sends give the same outcome), and put in
/// a queue ordered by (due time, send order). One timer of the <see cref="FakeTimeProvider"/> is
/// armed for the earliest due time; when <see cref="FakeTimeProvider.Advance"/> passes it, every
/// packet due by then is delivered on the advancing thread, in due order, and the timer is re-armed
/// for the next. So delivery happens only while a test advances the clock; a packet with no delay
/// arrives on the next Advance (Advance(TimeSpan.Zero) is enough). With no impairment, packets
/// between two endpoints arrive in send order.
/// </para>
/// Receive callbacks may send (replies are queued, never delivered re-entrantly). Send may be
/// called from any thread. A packet for an address nobody attached is counted as undeliverable.
/// </summary>
public sealed class InMemoryDatagramNetwork
{
    /// <summary>Largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP); bigger sends are undeliverable.</summary>
    public const int MaxDatagramSize = 65_507;

    private readonly FakeTimeProvider _time;
    private readonly Random _random;
    private readonly object _gate = new();
    private readonly Dictionary<PeerEndpoint, Endpoint> _endpoints = new();
    private readonly Dictionary<(PeerEndpoint From, PeerEndpoint To), LinkState> _links = new();
    private readonly PriorityQueue<Packet, (long Due, long Order)> _inFlight = new();
    private readonly ITimer _timer;
    private LinkConditions _defaultConditions = LinkConditions.Perfect;
    private long _order;
    private long _sent;
    private long _dropped;
    private long _duplicated;
    private long _delivered;
    private long _undeliverable;

    public InMemoryDatagramNetwork(FakeTimeProvider time, int seed)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _random = new Random(seed);
        _timer = time.CreateTimer(static s => ((InMemoryDatagramNetwork)s!).DeliverDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Conditions of every link that has none of its own (global impairment).</summary>
    public LinkConditions DefaultConditions
    {
        get { lock (_gate) { return _defaultConditions; } }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            lock (_gate) { _defaultConditions = value; }
        }
    }

    /// <summary>Datagrams handed to Send (duplicates not counted).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams lost to impairments (random or burst loss).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Extra copies made by duplication.</summary>
    public long Duplicated => Interlocked.Read(ref _duplicated);

    /// <summary>Datagrams handed to a receive callback (copies included).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Datagrams with no endpoint at their destination on arrival, or too big for UDP.</summary>
    public long Undeliverable => Interlocked.Read(ref _undeliverable);

    /// <summary>Datagrams sent and not yet due.</summary>
    public int InFlight
    {
        get { lock (_gate) { return _inFlight.Count; } }
    }

    /// <summary>Called for each datagram just before it is delivered (from, to, bytes): a wire tap for tests.</summary>
    public event Action<PeerEndpoint, PeerEndpoint, byte[]>? Delivering;

    /// <summary>Binds <paramref name="receive"/> to <paramref name="address"/>; it gets its own copy of each datagram.</summary>
    public Endpoint Attach(PeerEndpoint address, Action<byte[], PeerEndpoint> receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        var endpoint = new Endpoint(this, address, receive);
        lock (_gate)
        {
            if (!_endpoints.TryAdd(address, endpoint))
            {
                throw new InvalidOperationException($"{address} is already attached to this network");
            }
        }

        return endpoint;
    }

    /// <summary>Binds a datagram handler (the same interface the real socket's dispatcher uses).</summary>
    public Endpoint Attach(PeerEndpoint address, IDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Attach(address, (data, from) => handler.Handle(data, from));
    }

    /// <summary>Sets the conditions of the one-way link <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void SetLink(PeerEndpoint from, PeerEndpoint to, LinkConditions conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.Validate();
        lock (_gate)
        {
            Link(from, to).Conditions = conditions;
        }
    }

    /// <summary>Sets the same conditions both ways between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public void SetPath(PeerEndpoint a, PeerEndpoint b, LinkConditions conditions)
    {
        SetLink(a, b, conditions);
        SetLink(b, a, conditions);
    }

    /// <summary>Makes the link from <paramref name="from"/> to <paramref name="to"/> use <see cref="DefaultConditions"/> again.</summary>
    public void ClearLink(PeerEndpoint from, PeerEndpoint to)
    {
        lock (_gate)
        {
            if (_links.TryGetValue((from, to), out var link))
            {
                link.Conditions = null;
            }
        }
    }

    /// <summary>Counters of one direction of a link.</summary>
    public LinkStats GetLinkStats(PeerEndpoint from, PeerEndpoint to)
    {
        lock (_gate)
        {
            return _links.TryGetValue((from, to), out var link)
                ? new LinkStats(link.Sent, link.Dropped, link.Delivered)
                : default;
        }
    }

    private void Send(Endpoint from, ReadOnlySpan<byte> datagram, PeerEndpoint to)
    {
        Interlocked.Increment(ref _sent);
        if (datagram.Length > MaxDatagramSize)
        {
            Interlocked.Increment(ref _undeliverable);
            return;
        }

        byte[] copy = datagram.ToArray();
        lock (_gate)
        {
            var link = Link(from.Address, to);
            var conditions = link.Conditions ?? _defaultConditions;
            link.Sent++;
            if (IsLost(link, conditions))
            {
                link.Dropped++;
                Interlocked.Increment(ref _dropped);
                return;
            }

            Enqueue(from.Address, to, copy, conditions);
            if (conditions.DrawDuplicate(_random))
            {
                Interlocked.Increment(ref _duplicated);
                Enqueue(from.Address, to, (byte[])copy.Clone(), conditions);
            }

            ArmLocked();
        }
    }

    private bool IsLost(LinkState link, LinkConditions conditions)
    {
        bool bad = link.BurstBad;
        bool lost = conditions.DrawLoss(_random, ref bad);
        link.BurstBad = bad;
        return lost;
    }

    private void Enqueue(PeerEndpoint from, PeerEndpoint to, byte[] data, LinkConditions conditions)
    {
        long delay = conditions.DrawDelayTicks(_random, out _);
        long due = _time.GetTimestamp() + ToTimestamp(Math.Max(0, delay));
        _inFlight.Enqueue(new Packet(from, to, data), (due, _order++));
    }

    private void ArmLocked()
    {
        if (_inFlight.TryPeek(out _, out var key))
        {
            long wait = Math.Max(0, key.Due - _time.GetTimestamp());
            _timer.Change(_time.GetElapsedTime(0, wait), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Timer callback: delivers what is due, outside the lock (receivers may send).</summary>
    private void DeliverDue()
    {
        var due = new List<Packet>();
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            while (_inFlight.TryPeek(out _, out var key) && key.Due <= now)
            {
                due.Add(_inFlight.Dequeue());
            }
        }

        foreach (var packet in due)
        {
            Endpoint? target;
            lock (_gate)
            {
                _endpoints.TryGetValue(packet.To, out target);
                if (target is not null)
                {
                    Link(packet.From, packet.To).Delivered++;
                }
            }

            if (target is null)
            {
                Interlocked.Increment(ref _undeliverable);
                continue;
            }

            Interlocked.Increment(ref _delivered);
            Delivering?.Invoke(packet.From, packet.To, packet.Data);
            target.Receive(packet.Data, packet.From);
        }

        lock (_gate)
        {
            ArmLocked();
        }
    }

    private LinkState Link(PeerEndpoint from, PeerEndpoint to)
    {
        if (!_links.TryGetValue((from, to), out var link))
        {
            link = new LinkState();
            _links.Add((from, to), link);
        }

        return link;
    }

    private long ToTimestamp(long ticks) => (long)(ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private void Detach(Endpoint endpoint)
    {
        lock (_gate)
        {
            if (_endpoints.TryGetValue(endpoint.Address, out var current) && ReferenceEquals(current, endpoint))
            {
                _endpoints.Remove(endpoint.Address);
            }
        }
    }

    /// <summary>An attached address: the sender for it; Dispose detaches it (later arrivals are undeliverable).</summary>
    public sealed class Endpoint : IDatagramSender, IDisposable
    {
        private readonly InMemoryDatagramNetwork _network;
        private readonly Action<byte[], PeerEndpoint> _receive;
        private volatile bool _disposed;

        internal Endpoint(InMemoryDatagramNetwork network, PeerEndpoint address, Action<byte[], PeerEndpoint> receive)
        {
            _network = network;
            Address = address;
            _receive = receive;
        }

        public PeerEndpoint Address { get; }

        public InMemoryDatagramNetwork Network => _network;

        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _network.Send(this, datagram, to);
        }

        public void Dispose()
        {
            _disposed = true;
            _network.Detach(this);
        }

        internal void Receive(byte[] data, PeerEndpoint from) => _receive(data, from);
    }

    private sealed class LinkState
    {
        public LinkConditions? Conditions { get; set; }
        public bool BurstBad { get; set; }
        public long Sent { get; set; }
        public long Dropped { get; set; }
        public long Delivered { get; set; }
    }

    private readonly record struct Packet(PeerEndpoint From, PeerEndpoint To, byte[] Data);
}

/// <summary>Counters of one direction of a link of <see cref="InMemoryDatagramNetwork"/>.</summary>
public readonly record struct LinkStats(long Sent, long Dropped, long Delivered);
