using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The appliance without its edges: packet dispatch, the session layer and the call controller,
/// wired around one event loop and one datagram sender. <see cref="PicoTalkDaemon"/> gives it the
/// real UDP socket and sound devices; tests give it the in-memory network, a fake clock and fake
/// media, so the same composition is exercised both ways (STYLE.md 9).
/// </summary>
public sealed class ApplianceCore
{
    public ApplianceCore(
        IdentityKey identity,
        EventLoop loop,
        PacketDispatcher dispatcher,
        DropCounters drops,
        IDatagramSender sender,
        ICallMediaFactory media,
        ICallEvents events,
        CallOptions callOptions,
        Action<string> log,
        SessionOptions? sessionOptions = null,
        IPeerResolver? resolver = null,
        DhtOptions? dhtOptions = null,
        bool enableDht = true)
    {
        Loop = loop;
        Drops = drops;
        // The routing layer shares the socket and the ID with the session layer (the paper: node ID
        // = SHA-1 of the identity key), so a DHT lookup of an appliance's ID reaches the very node
        // whose key the session layer will then check.
        if (enableDht)
        {
            Dht = new DhtNode(identity.Id, sender, loop.Time, drops, dhtOptions);
            Dht.RegisterWith(dispatcher);
            resolver ??= new DhtPeerResolver(Dht);
        }

        Calls = new CallController(loop, callOptions, media, events, log, resolver);
        Sessions = new SessionLayer(identity, sender, Calls, loop.Time, drops, sessionOptions);
        Sessions.RegisterWith(dispatcher);
        Calls.Sessions = Sessions;
    }

    /// <summary>The routing layer, when enabled.</summary>
    public DhtNode? Dht { get; }

    public EventLoop Loop { get; }

    public DropCounters Drops { get; }

    public SessionLayer Sessions { get; }

    public CallController Calls { get; }

    public NodeId Id => Sessions.LocalId;

    /// <summary>
    /// How often <see cref="Tick"/> should run: the resolution of every protocol timer. The shortest
    /// of them are 250 ms (handshake retransmit, call signal repeat), so 50 ms is fine enough, and
    /// the tick may run up to <see cref="TickSlack"/> early to share a wake-up of the loop with a
    /// captured frame or a packet: an idle appliance wakes 20 times a second for it, one in a call
    /// not at all.
    /// </summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc cref="TickInterval"/>
    public static readonly TimeSpan TickSlack = TimeSpan.FromMilliseconds(25);

    /// <summary>Runs the timers of the session layer and of the call, on the loop.</summary>
    public void Tick()
    {
        Sessions.Poll();
        Dht?.Poll();
        Calls.Tick();
    }

    /// <summary>Starts the periodic <see cref="Tick"/> on the loop.</summary>
    public ITimer StartTicking() => Loop.CreateTimer(Tick, TickInterval, TickInterval, TickSlack);
}
