using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Gpio;
using PicoTalk.Service.Appliance;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;
using PicoTalk.Service.Control;
using PicoTalk.Service.Identity;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Media;
using PicoTalk.Service.Net;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The composition root of <c>picotalkd</c>: builds the layers bottom-up around the one event loop
/// and the one UDP socket, starts them, prints the ready line, and takes them down in reverse.
/// </summary>
public sealed partial class PicoTalkDaemon : IAsyncDisposable
{
    private readonly DaemonLog _log;
    private readonly EventLoop _loop;
    private readonly UdpTransport _transport;
    private readonly ApplianceCore _core;
    private readonly string _dhtFile;
    private readonly LanDiscoverySocket? _lan;
    private ITimer? _saveTimer;

    /// <summary>The routing table, saved so a restart rejoins the DHT without a bootstrap node.</summary>
    public const string DhtNodesFileName = "dht-nodes.bin";

    /// <summary>How often the routing table is saved (and at shutdown).</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromMinutes(5);
    private readonly ControlServer _control;
    private readonly ITimer _tick;
    private readonly IdentityKey _identity;
    private readonly long _startedAt;
    private RoomServer? _rooms;
    private PicoTalk.Protocol.Rooms.X25519KeyPair? _roomsKey;

    private PicoTalkDaemon(DaemonSettings settings, DaemonLog log, TimeProvider time)
    {
        _log = log;
        _startedAt = time.GetTimestamp();
        Settings = settings;
        _identity = IdentityStore.LoadOrCreate(settings.StateDirectory, log.Info);
        var drops = new DropCounters();
        var dispatcher = new PacketDispatcher(drops);
        _loop = new EventLoop(time, e => _log.Error($"loop: {e}"));
        Contacts = new ContactBook(_loop, settings.ConfigPath, settings.Config.Contacts, log.Warn);
        _transport = new UdpTransport(settings.BindAddress, settings.Config.UdpPort, _loop, dispatcher, drops);

        var config = settings.Config;
        // The ringtone plays on the call's own output, and is stopped (its device closed) before a
        // call opens that device.
        var tones = new TonePlayer(() => AudioDevices.OpenSink(settings.AudioOut, config.Audio.FrameMs, time), log.Warn);
        Gains = new AudioGains(config.Audio.SpeakerGainDb, config.Audio.MicGainDb);
        var media = new ToneStoppingMediaFactory(tones, new DeviceCallMediaFactory(_loop, settings.AudioIn, settings.AudioOut,
            config.MediaSettings(), config.VoiceSettings(), time, log, Gains));
        Events = new ControlEvents();
        var callEvents = new CallEventsFanOut();
        callEvents.Add(Events);
        _core = new ApplianceCore(_identity, _loop, dispatcher, drops, _transport, media, callEvents, new CallOptions
        {
            Name = config.Name,
            RingTimeout = TimeSpan.FromSeconds(config.Calls.RingTimeoutSeconds),
        }, log.Info, dhtOptions: new DhtOptions
        {
            EnableHolePunching = config.Dht.HolePunching,
            KeepaliveInterval = TimeSpan.FromSeconds(config.Dht.KeepaliveSeconds),
        });
        // Whether the address others see is one of ours tells a public appliance from one behind a
        // NAT, which needs keepalives (DhtNode.Punch.cs).
        _core.Dht!.NatObserver.SetLocalAddresses(LocalAddresses());
        _dhtFile = Path.Combine(settings.StateDirectory, DhtNodesFileName);
        LoadRoutingTable();
        if (config.Dht.LanDiscovery)
        {
            // Heard on a receive thread; the DHT is the loop's, so the news is posted there.
            _lan = new LanDiscoverySocket(time, _identity.Id, (ushort)_transport.LocalPort,
                (endpoint, id) => _loop.Post(() => _core.Dht!.AddCandidate(endpoint, id)), log,
                new LanDiscoverySocketOptions { Interfaces = config.Dht.LanInterfaces.Count > 0 ? config.Dht.LanInterfaces : null });
        }

        Appliance = StartAppliance(config, tones, time);
        callEvents.Add(Appliance);
        _core.Calls.Policy = Appliance;
        // PTT without a call talks in the room; a room and a call never share the sound card.
        Appliance.InRoom = () => _roomClient?.InRoom == true;
        Appliance.TalkingChanged = talking =>
        {
            if (_roomClient is { InRoom: true } room)
            {
                room.Talking = talking;
            }
        };
        History = new CallHistory(time, Contacts.Find);
        callEvents.Add(History);
        Config = new ConfigCommand(Contacts, settings.ConfigPath, StoredAtStart(settings), ApplyConfig);

        _control = new ControlServer(settings.ControlPath, new DaemonControlHandler(this), log.Info);
        Events.Server = _control;
        _tick = _core.StartTicking();
    }

    public DaemonSettings Settings { get; }

    public NodeId Id => _identity.Id;

    public int UdpPort => _transport.LocalPort;

    public DropCounters Drops => _core.Drops;

    internal EventLoop Loop => _loop;

    internal CallController Calls => _core.Calls;

    internal DhtNode? Dht => _core.Dht;

    /// <summary>Appliances heard on the LAN so far (reports, not distinct peers).</summary>
    internal long LanPeersHeard => _lan?.Discovery.Counters.Reported ?? 0;

    internal ControlEvents Events { get; }

    /// <summary>Buttons, LEDs, door, ringtone and call policies.</summary>
    internal ApplianceController Appliance { get; }

    /// <summary>The contacts (config.json "contacts"), read on the loop, changed through the disk.</summary>
    internal ContactBook Contacts { get; }

    /// <summary>The latest calls (the <c>history</c> command).</summary>
    internal CallHistory History { get; }

    /// <summary>The <c>config</c> command: the stored config, patched and applied live.</summary>
    internal ConfigCommand Config { get; }

    /// <summary>Speaker and microphone gains, shared by every call's media.</summary>
    internal AudioGains Gains { get; }

    public static PicoTalkDaemon Start(DaemonSettings settings, DaemonLog log, TimeProvider time)
    {
        var daemon = new PicoTalkDaemon(settings, log, time);
        daemon._loop.Start();
        daemon._transport.Start();
        daemon._control.Start();
        daemon.StartDht();
        daemon.StartRoomServer(time);
        daemon._loop.Post(daemon.Appliance.Started);
        log.Plain($"ready id={daemon.Id} udp={daemon.UdpPort} control={settings.ControlPath}");
        return daemon;
    }

    /// <summary>The room server (issue 7), when <c>--room-server</c> asked for it: its own threads and lock, beside the calls.</summary>
    private void StartRoomServer(TimeProvider time)
    {
        if (Settings.RoomServer is not { } ports)
        {
            return;
        }

        _roomsKey = RoomServerIdentity.LoadOrCreate(Settings.StateDirectory, _log.Info);
        _rooms = new RoomServer(Settings.BindAddress, ports, _roomsKey, time, _log.Info);
        _rooms.Start();
        _log.Plain($"room server tcp={_rooms.TcpPort} udp={_rooms.UdpPort} ws={_rooms.WebSocketPort} key={_rooms.Fingerprint}");
        StartRoomAnnouncer(_rooms);
    }

    /// <summary>The room server, if it runs.</summary>
    internal RoomServer? Rooms => _rooms;

    private void StartDht()
    {
        var dht = _core.Dht!;
        _lan?.Start();
        _loop.Post(() => dht.Announce((ushort)UdpPort));
        _saveTimer = _loop.CreateTimer(() =>
        {
            SaveRoutingTable();
            RefreshLocalAddresses();
        }, SaveInterval, SaveInterval);
        if (Settings.Config.Dht.Bootstrap.Count > 0)
        {
            _ = BootstrapAsync(dht, Settings.Config.Dht.Bootstrap);
        }
    }

    /// <summary>Resolves the bootstrap names off the loop, then seeds the DHT on it.</summary>
    private async Task BootstrapAsync(DhtNode dht, IReadOnlyList<string> nodes)
    {
        var endpoints = new List<PeerEndpoint>();
        foreach (string node in nodes)
        {
            var (target, error) = await DaemonControlHandler.ResolveAsync(node, CancellationToken.None).ConfigureAwait(false);
            if (error is null)
            {
                endpoints.Add(target.Remote);
            }
            else
            {
                _log.Warn($"dht: bootstrap node {node}: {error}");
            }
        }

        _log.Info($"dht: bootstrapping from {endpoints.Count} node(s)");
        _loop.Post(() => dht.Bootstrap(endpoints));
    }

    private static IEnumerable<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus != OperationalStatus.Down)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return []; // unknown: keepalives stay on
        }
    }

    /// <summary>Interfaces come and go (DHCP, Wi-Fi): the NAT observer's view of our addresses follows
    /// every save. Listed off the loop (it reads /proc and netlink, which must not hold up a call's
    /// frames), then handed to the loop.</summary>
    private void RefreshLocalAddresses() => _ = Task.Run(() =>
    {
        var addresses = LocalAddresses();
        _loop.Post(() => _core.Dht!.NatObserver.SetLocalAddresses(addresses));
    });

    private void LoadRoutingTable()
    {
        if (!File.Exists(_dhtFile))
        {
            return;
        }

        int loaded = _core.Dht!.Table.Load(File.ReadAllBytes(_dhtFile), out var error);
        if (loaded < 0)
        {
            _log.Warn($"dht: {_dhtFile} is unreadable ({error}); starting with an empty routing table");
        }
        else
        {
            _log.Info($"dht: {loaded} node(s) from {_dhtFile}");
        }
    }

    private void SaveRoutingTable()
    {
        try
        {
            AtomicFile.Write(_dhtFile, _core.Dht!.Table.Save(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (IOException e)
        {
            // A full disk costs us the cache, never the daemon.
            _log.Warn($"dht: cannot save {_dhtFile}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _tick.Dispose();
        _saveTimer?.Dispose();
        _lan?.Dispose();
        // Say goodbye to a peer in a call, so it does not wait for the silence timeout.
        try
        {
            await _loop.InvokeAsync(() => _core.Calls.Hangup()).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await _loop.InvokeAsync(() =>
            {
                SaveRoutingTable();
                _core.Calls.Shutdown();
                return true;
            }).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            _log.Warn($"shutdown: {e.Message}");
        }

        try
        {
            await _loop.InvokeAsync(() =>
            {
                Appliance.Dispose(); // LEDs off, relay released, tone stopped
                return true;
            }).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            _log.Warn($"shutdown: {e.Message}");
        }

        _roomAnnouncer?.Dispose();
        if (_rooms is not null)
        {
            await _rooms.DisposeAsync().ConfigureAwait(false);
        }

        _roomsKey?.Dispose();
        try
        {
            await CloseRoomClientAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            _log.Warn($"shutdown: room: {e.Message}");
        }

        await _control.DisposeAsync().ConfigureAwait(false);
        _transport.Dispose();
        _loop.Dispose();
        _identity.Dispose();
    }
}

/// <summary>Everything the daemon runs with, after the command line has overridden the config file.</summary>
public sealed record DaemonSettings(
    string StateDirectory,
    string ConfigPath,
    string ControlPath,
    DaemonConfig Config,
    IPAddress BindAddress,
    AudioDeviceSpec AudioIn,
    AudioDeviceSpec AudioOut)
{
    /// <summary>Where the room server listens (<c>--room-server</c>, <c>--room-ports</c>); null: no room server.</summary>
    public RoomServerPorts? RoomServer { get; init; }
}
