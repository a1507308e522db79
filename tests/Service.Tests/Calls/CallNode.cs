using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Daemon;
using PicoTalk.Service.Loop;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Calls;

/// <summary>
/// One appliance on the in-memory network: the daemon's own <see cref="ApplianceCore"/> on a manual
/// event loop driven by the fake clock, with fake media and recorded events.
/// </summary>
internal sealed class CallNode : IDisposable, ICallEvents, ICallMediaFactory, IDatagramHandler
{
    private readonly IdentityKey _identity = IdentityKey.Generate();
    private readonly PacketDispatcher _dispatcher;
    private readonly ITimer _tick;
    private readonly SwitchableSender _sender;
    private InMemoryDatagramNetwork.Endpoint _endpoint;

    public CallNode(CallWorld world, string address, string name, CallOptions? options = null, IPeerResolver? resolver = null)
    {
        World = world;
        Address = PeerEndpoint.Parse(address);
        Loop = EventLoop.CreateManual(world.Time, e => throw new InvalidOperationException("loop work threw", e));
        var drops = new DropCounters();
        _dispatcher = new PacketDispatcher(drops);
        _endpoint = world.Network.Attach(Address, this);
        _sender = new SwitchableSender { Target = _endpoint };
        Core = new ApplianceCore(_identity, Loop, _dispatcher, drops, _sender, this, this,
            options ?? new CallOptions { Name = name }, line => Log.Add(line), resolver: resolver, enableDht: false);
        _tick = Core.StartTicking();
    }

    public CallWorld World { get; }

    public PeerEndpoint Address { get; private set; }

    public EventLoop Loop { get; }

    public ApplianceCore Core { get; }

    public CallController Calls => Core.Calls;

    public NodeId Id => Core.Id;

    public List<string> Log { get; } = new();

    public List<(CallState Was, CallTrigger On, CallState Now)> Transitions { get; } = new();

    public List<Call> Rings { get; } = new();

    public List<(CallEndReason Reason, string Message)> Ended { get; } = new();

    public List<FakeMedia> Media { get; } = new();

    public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from) => _dispatcher.Dispatch(datagram, from);

    /// <summary>Moves this appliance to another address (a new DHCP lease, another network).</summary>
    public void MoveTo(string address)
    {
        _endpoint.Dispose();
        Address = PeerEndpoint.Parse(address);
        _endpoint = World.Network.Attach(Address, this);
        _sender.Target = _endpoint;
    }

    /// <summary>Another listener of this node's call events (an appliance controller under test).</summary>
    public ICallEvents? Also { get; set; }

    public void StateChanged(CallState was, CallTrigger on, CallState now)
    {
        Transitions.Add((was, on, now));
        Also?.StateChanged(was, on, now);
    }

    public void Ringing(Call call)
    {
        Rings.Add(call);
        Also?.Ringing(call);
    }

    public void CallEnded(Call call, CallEndReason reason, string message)
    {
        Ended.Add((reason, message));
        Also?.CallEnded(call, reason, message);
    }

    public ICallMedia Start(SecureSession session)
    {
        var media = new FakeMedia(session);
        Media.Add(media);
        return media;
    }

    public void Dispose()
    {
        _tick.Dispose();
        Loop.Dispose();
        _identity.Dispose();
    }

    /// <summary>Media that sends a numbered frame on demand and counts what arrives.</summary>
    internal sealed class FakeMedia(SecureSession session) : ICallMedia
    {
        public List<uint> Received { get; } = new();

        public long Sent { get; private set; }

        public bool Disposed { get; private set; }

        public void SendFrame()
        {
            Span<byte> frame = stackalloc byte[60];
            frame.Fill((byte)Sent);
            if (session.TrySendMedia(frame))
            {
                Sent++;
            }
        }

        public void OnMedia(uint sequence, ReadOnlySpan<byte> payload) => Received.Add(sequence);

        public List<ReceiverReport> Reports { get; } = new();

        public void OnReport(in ReceiverReport report) => Reports.Add(report);

        public CallMediaStats Stats => new(Sent, Received.Count, Received.Count, 0, 0, 0);

        public bool MicrophoneOpen { get; set; } = true;

        public void Dispose() => Disposed = true;
    }
}

/// <summary>Sends through whichever network endpoint the node has now.</summary>
internal sealed class SwitchableSender : IDatagramSender
{
    public IDatagramSender? Target { get; set; }

    public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to) => Target!.Send(datagram, to);
}

/// <summary>A resolver that answers from a table the test fills, after a delay of fake time.</summary>
internal sealed class FakeResolver(CallWorld world) : IPeerResolver
{
    public Dictionary<NodeId, List<PeerEndpoint>> Table { get; } = new();

    public List<NodeId> Asked { get; } = new();

    /// <summary>The punch relays each ID's lookup names (none unless set).</summary>
    public Dictionary<NodeId, List<PunchRelay>> Relays { get; } = new();

    /// <summary>Punch requests made, in order, and whether the call's handshake had started by then.</summary>
    public List<(NodeId Callee, PunchRelay Relay)> Punches { get; } = new();

    /// <summary>What every relay answers, after <see cref="PunchDelay"/>.</summary>
    public PunchResult PunchAnswer { get; set; } = new(true, NatMapping.EndpointIndependent, null);

    public TimeSpan PunchDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public NatMapping LocalNat { get; set; } = NatMapping.Unknown;

    public void Resolve(NodeId id, Action<PeerResolution> done)
    {
        Asked.Add(id);
        var answer = Table.TryGetValue(id, out var list) ? list.ToArray() : [];
        var relays = Relays.TryGetValue(id, out var r) ? r.ToArray() : [];
        world.Later(TimeSpan.FromMilliseconds(300), () => done(new PeerResolution(answer, relays)));
    }

    public void RequestPunch(NodeId callee, PunchRelay relay, Action<PunchResult> done)
    {
        Punches.Add((callee, relay));
        var answer = PunchAnswer;
        world.Later(PunchDelay, () => done(answer));
    }
}

/// <summary>The fake clock and network several <see cref="CallNode"/>s share.</summary>
internal sealed class CallWorld : IDisposable
{
    private readonly List<CallNode> _nodes = new();

    public CallWorld(int seed = 1)
    {
        Time = new FakeTimeProvider(seed);
        Network = new InMemoryDatagramNetwork(Time, seed);
    }

    public FakeTimeProvider Time { get; }

    private readonly List<(TimeSpan Due, Action Action)> _later = new();
    private TimeSpan _now;

    /// <summary>Runs <paramref name="action"/> on the loop thread after <paramref name="delay"/> of fake time.</summary>
    public void Later(TimeSpan delay, Action action) => _later.Add((_now + delay, action));

    public InMemoryDatagramNetwork Network { get; }

    public CallNode Add(string address, string name, CallOptions? options = null, IPeerResolver? resolver = null)
    {
        var node = new CallNode(this, address, name, options, resolver);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Moves time on in 5 ms steps, running every node's loop after each step.</summary>
    public void Run(TimeSpan duration, Action? eachStep = null)
    {
        var step = TimeSpan.FromMilliseconds(5);
        for (var t = TimeSpan.Zero; t < duration; t += step)
        {
            Time.Advance(step);
            _now += step;
            foreach (var due in _later.Where(l => l.Due <= _now).ToList())
            {
                _later.Remove(due);
                due.Action();
            }

            foreach (var node in _nodes)
            {
                node.Loop.RunPending();
            }

            eachStep?.Invoke();
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds, failing after <paramref name="limit"/> of fake time.</summary>
    public TimeSpan RunUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var step = TimeSpan.FromMilliseconds(5);
        for (var t = TimeSpan.Zero; t < limit; t += step)
        {
            if (condition())
            {
                return t;
            }

            Run(step);
        }

        if (condition())
        {
            return limit;
        }

        throw new Xunit.Sdk.XunitException($"not {what} within {limit.TotalSeconds} s of fake time;\n" +
            string.Join("\n", _nodes.Select(n => $"{n.Address}: {n.Calls.State}\n  " + string.Join("\n  ", n.Log))));
    }

    /// <summary>Runs a command on a node's loop (the loop is this thread; commands assert it).</summary>
    public static T On<T>(CallNode node, Func<CallController, T> command) => command(node.Calls);

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }
}
