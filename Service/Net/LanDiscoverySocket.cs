using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Daemon;

namespace PicoTalk.Service.Net;

/// <summary>Where and how <see cref="LanDiscoverySocket"/> listens (defaults: BEP 14 "Protocol").</summary>
public sealed record LanDiscoverySocketOptions
{
    /// <summary>UDP port of both groups; tests pick a free one so parallel runs stay apart.</summary>
    public int Port { get; init; } = LsdSpec.Port;

    /// <summary>Interface names ("eth0", "lo"). Null: every up, multicast-capable, non-loopback
    /// interface, or loopback alone when there is none (appliances on one host still meet).</summary>
    public IReadOnlyList<string>? Interfaces { get; init; }

    /// <summary>Also use group B, [ff15::efc0:988f]:6771, where an interface has IPv6.</summary>
    public bool IPv6 { get; init; } = true;

    public LanDiscoveryLimits? Limits { get; init; }
}

/// <summary>
/// The socket side of BEP 14 LAN discovery (DESIGN.md "DHT"): joins group A (IPv4) and group B
/// (IPv6) on each chosen interface, sends <see cref="LanDiscovery"/>'s announces to them, and hands
/// every PicoTalk node it hears to <c>onPeer</c>. This is not the appliance's one UDP socket
/// (DESIGN.md "Wire"): BEP 14 fixes port 6771, so discovery needs sockets of its own; the DHT pings
/// what is found through the main socket. SO_REUSEADDR lets several daemons on one host share the
/// port (Linux socket(7): every member socket gets a copy of each multicast datagram). TTL / hop
/// limit 1 keeps announces on the link; loopback on lets daemons on one host hear each other. No
/// multicast route, a missing interface or a taken port is logged and skipped, never thrown.
/// </summary>
public sealed class LanDiscoverySocket : IDisposable
{
    /// <summary>One more than BEP 14's limit, so an over-long datagram is seen (and refused) as such.</summary>
    private const int ReceiveBuffer = LsdSpec.MaxDatagram + 1;

    /// <summary>A blocking receive is not reliably woken by Close on every kernel; poll for disposal.</summary>
    private const int ReceiveTimeoutMs = 500;

    /// <summary>BEP 14 suggests more than 1 for routed multicast; we stay on the link.</summary>
    private const int MulticastHops = 1;

    private static readonly IPAddress IPv4Group = IPAddress.Parse(LsdSpec.IPv4Group);
    private static readonly IPAddress IPv6Group = IPAddress.Parse(LsdSpec.IPv6Group);

    private readonly Action<PeerEndpoint, NodeId?> _onPeer;
    private readonly DaemonLog _log;
    private readonly LanDiscoverySocketOptions _options;
    private readonly object _sendGate = new();
    private readonly List<Link> _ipv4Links = new();
    private readonly List<Link> _ipv6Links = new();
    private readonly List<Thread> _threads = new();
    private Socket? _ipv4;
    private Socket? _ipv6;
    private long _sent;
    private long _sendErrors;
    private bool _started;
    private volatile bool _disposed;

    /// <param name="time">Clock for the announce schedule and rate limits.</param>
    /// <param name="self">Our DHT node ID (sent as X-PicoTalk-Id).</param>
    /// <param name="dhtPort">The port of the appliance's UDP socket, which the DHT answers on.</param>
    /// <param name="onPeer">Called on a receive thread for each PicoTalk node found (already rate
    /// limited); post it to the event loop. Exceptions it throws are logged, not propagated.</param>
    /// <param name="log">Where joins, failures and sends that fail are reported.</param>
    public LanDiscoverySocket(
        TimeProvider time,
        NodeId self,
        ushort dhtPort,
        Action<PeerEndpoint, NodeId?> onPeer,
        DaemonLog log,
        LanDiscoverySocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onPeer);
        ArgumentNullException.ThrowIfNull(log);
        _options = options ?? new LanDiscoverySocketOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Port, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Port, ushort.MaxValue, nameof(options));
        _onPeer = onPeer;
        _log = log;
        Discovery = new LanDiscovery(time, self, dhtPort, LanDiscovery.NewCookie(), _options.Limits);
    }

    public LanDiscovery Discovery { get; }

    /// <summary>Interfaces on which group A was joined.</summary>
    public int IPv4Memberships => _ipv4Links.Count;

    /// <summary>Interfaces on which group B was joined.</summary>
    public int IPv6Memberships => _ipv6Links.Count;

    public long Sent => Interlocked.Read(ref _sent);

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Opens, joins and starts announcing. Never throws for network trouble: what fails is
    /// logged and the rest goes on (with nothing joined it simply finds nobody).</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started)
        {
            throw new InvalidOperationException("LAN discovery socket is already started");
        }

        _started = true;
        var links = ChooseLinks();
        _ipv4 = OpenIPv4(links);
        if (_options.IPv6)
        {
            _ipv6 = OpenIPv6(links);
        }

        _log.Info($"lan discovery: port {_options.Port}, " +
                  $"ipv4 on [{string.Join(", ", _ipv4Links.Select(l => l.Name))}], " +
                  $"ipv6 on [{string.Join(", ", _ipv6Links.Select(l => l.Name))}]");
        foreach (var socket in new[] { _ipv4, _ipv6 })
        {
            if (socket is not null)
            {
                var thread = new Thread(() => ReceiveLoop(socket))
                {
                    Name = $"picotalk-lsd-{(socket.AddressFamily == AddressFamily.InterNetwork ? "v4" : "v6")}",
                    IsBackground = true,
                };
                _threads.Add(thread);
                thread.Start();
            }
        }

        Discovery.Start(SendAnnounces);
    }

    private List<Link> ChooseLinks()
    {
        try
        {
            return ChooseLinks(NetworkInterface.GetAllNetworkInterfaces());
        }
        catch (NetworkInformationException e)
        {
            _log.Warn($"lan discovery: cannot read the network interfaces ({e.Message}); LAN discovery is off");
            return [];
        }
    }

    private List<Link> ChooseLinks(NetworkInterface[] all)
    {

        if (_options.Interfaces is { } names)
        {
            var chosen = new List<Link>();
            foreach (string name in names)
            {
                var nic = all.FirstOrDefault(n => n.Name == name);
                if (nic is null)
                {
                    _log.Warn($"lan discovery: no interface named '{name}'; skipped");
                    continue;
                }

                chosen.Add(Link.Of(nic));
            }

            return chosen;
        }

        var up = all
            .Where(n => n.OperationalStatus == OperationalStatus.Up
                        && n.NetworkInterfaceType != NetworkInterfaceType.Loopback
                        && n.SupportsMulticast)
            .Select(Link.Of)
            .ToList();
        if (up.Count > 0)
        {
            return up;
        }

        _log.Warn("lan discovery: no multicast-capable interface is up; only appliances on this host can be found");
        return all.Where(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback).Select(Link.Of).ToList();
    }

    private Socket? OpenIPv4(List<Link> links)
    {
        var socket = OpenShared(AddressFamily.InterNetwork, IPAddress.Any);
        if (socket is null)
        {
            return null;
        }

        foreach (var link in links.Where(l => l.IPv4 is not null))
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(IPv4Group, link.IPv4!));
                _ipv4Links.Add(link);
            }
            catch (SocketException e)
            {
                _log.Warn($"lan discovery: cannot join {LsdSpec.IPv4Group} on {link.Name} ({e.SocketErrorCode}: {e.Message})");
            }
        }

        return socket;
    }

    private Socket? OpenIPv6(List<Link> links)
    {
        var socket = OpenShared(AddressFamily.InterNetworkV6, IPAddress.IPv6Any);
        if (socket is null)
        {
            return null;
        }

        foreach (var link in links.Where(l => l.HasIPv6))
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(IPv6Group, link.Index));
                _ipv6Links.Add(link);
            }
            catch (SocketException e)
            {
                _log.Warn($"lan discovery: cannot join {LsdSpec.IPv6Group} on {link.Name} ({e.SocketErrorCode}: {e.Message})");
            }
        }

        return socket;
    }

    /// <summary>A socket bound to the group port with SO_REUSEADDR, hop limit 1 and loopback on.</summary>
    private Socket? OpenShared(AddressFamily family, IPAddress any)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            var level = family == AddressFamily.InterNetwork ? SocketOptionLevel.IP : SocketOptionLevel.IPv6;
            if (family == AddressFamily.InterNetworkV6)
            {
                // Group A is served by the IPv4 socket; keep IPv4 traffic off this one.
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(any, _options.Port));
            socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, MulticastHops);
            socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, true);
            socket.ReceiveTimeout = ReceiveTimeoutMs;
            return socket;
        }
        catch (SocketException e)
        {
            _log.Warn($"lan discovery: cannot open {family} port {_options.Port} ({e.SocketErrorCode}: {e.Message}); skipped");
            socket?.Dispose();
            return null;
        }
    }

    /// <summary>Runs on the schedule's timer thread: one announce per group per joined interface
    /// (BEP 14 "Usage": "on each interface").</summary>
    private void SendAnnounces()
    {
        var buffer = new byte[LsdSpec.MaxDatagram];
        lock (_sendGate)
        {
            if (_disposed)
            {
                return;
            }

            if (_ipv4 is { } v4)
            {
                int length = Discovery.WriteAnnounce(LsdSpec.IPv4Host, buffer);
                var group = new IPEndPoint(IPv4Group, _options.Port);
                foreach (var link in _ipv4Links)
                {
                    // IP_MULTICAST_IF takes the interface's address (ip(7)).
                    Send(v4, link, buffer.AsSpan(0, length), group,
                        s => s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, link.IPv4!.GetAddressBytes()));
                }
            }

            if (_ipv6 is { } v6)
            {
                int length = Discovery.WriteAnnounce(LsdSpec.IPv6Host, buffer);
                var group = new IPEndPoint(IPv6Group, _options.Port);
                foreach (var link in _ipv6Links)
                {
                    // IPV6_MULTICAST_IF takes the interface index (ipv6(7)).
                    Send(v6, link, buffer.AsSpan(0, length), group,
                        s => s.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, link.Index));
                }
            }
        }
    }

    private void Send(Socket socket, Link link, ReadOnlySpan<byte> datagram, IPEndPoint group, Action<Socket> selectInterface)
    {
        try
        {
            selectInterface(socket);
            socket.SendTo(datagram, SocketFlags.None, group);
            Interlocked.Increment(ref _sent);
        }
        catch (SocketException e)
        {
            // ENETUNREACH and friends: no multicast route on this link right now. Try again next time.
            Interlocked.Increment(ref _sendErrors);
            _log.Warn($"lan discovery: announce to {group} on {link.Name} failed ({e.SocketErrorCode}: {e.Message})");
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the send.
        }
    }

    private void ReceiveLoop(Socket socket)
    {
        var buffer = new byte[ReceiveBuffer];
        var from = new SocketAddress(socket.AddressFamily);
        while (!_disposed)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (SocketException e)
            {
                if (!_disposed)
                {
                    _log.Warn($"lan discovery: receive failed ({e.SocketErrorCode}: {e.Message})");
                }

                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (!PeerEndpoint.TryRead(from, out var source))
            {
                continue;
            }

            if (Discovery.Receive(buffer.AsSpan(0, received), source, out var peer) != LanReceiveResult.Reported)
            {
                continue;
            }

            try
            {
                _onPeer(peer.DhtNode, peer.Id);
            }
            catch (Exception e)
            {
                _log.Error($"lan discovery: peer handler failed for {peer.DhtNode}: {e}");
            }
        }
    }

    public void Dispose()
    {
        lock (_sendGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Discovery.Dispose();
        _ipv4?.Dispose();
        _ipv6?.Dispose();
        foreach (var thread in _threads)
        {
            thread.Join(ReceiveTimeoutMs * 4);
        }
    }

    /// <summary>One interface: its name, its index (for IPv6 options) and its first IPv4 address
    /// (IPv4 multicast options name an interface by address, ip(7) ip_mreq).</summary>
    private sealed record Link(string Name, int Index, IPAddress? IPv4, bool HasIPv6)
    {
        public static Link Of(NetworkInterface nic)
        {
            var properties = nic.GetIPProperties();
            var ipv4 = properties.UnicastAddresses
                .Select(u => u.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            bool hasIPv6 = properties.UnicastAddresses.Any(u => u.Address.AddressFamily == AddressFamily.InterNetworkV6);
            int index = hasIPv6 && nic.Supports(NetworkInterfaceComponent.IPv6)
                ? properties.GetIPv6Properties().Index
                : nic.Supports(NetworkInterfaceComponent.IPv4) ? properties.GetIPv4Properties().Index : 0;
            // IPv4 multicast works on an interface without IFF_MULTICAST (lo: the kernel loops it back),
            // IPv6 multicast does not (sendto fails with ENETUNREACH), so group B needs the flag.
            return new Link(nic.Name, index, ipv4, hasIPv6 && index > 0 && nic.SupportsMulticast);
        }
    }
}
