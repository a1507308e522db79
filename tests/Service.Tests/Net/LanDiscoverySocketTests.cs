using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Daemon;
using PicoTalk.Service.Net;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Net;

/// <summary>
/// Real sockets on this machine's loopback interface: IPv4 multicast on "lo" works here (joined by
/// address 127.0.0.1, sent with IP_MULTICAST_IF 127.0.0.1); IPv6 multicast on "lo" does not (no
/// MULTICAST flag: the join succeeds, sendto fails with ENETUNREACH), so the socket skips group B there. Each test takes a free port
/// instead of 6771 so parallel runs and running daemons do not see each other.
/// </summary>
public sealed class LanDiscoverySocketTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _logText = new();
    private readonly DaemonLog _log;
    private readonly int _port = FreeUdpPort();
    private readonly List<IDisposable> _owned = new();

    public LanDiscoverySocketTests()
    {
        _log = new DaemonLog(_logText, TimeProvider.System, journal: false);
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    [Fact]
    public async Task Two_appliances_on_loopback_find_each_other_by_multicast()
    {
        var (a, foundByA) = Appliance(41001);
        var (b, foundByB) = Appliance(41002);
        a.Start();
        b.Start();
        Assert.Equal(1, a.IPv4Memberships);
        Assert.Equal(1, b.IPv4Memberships);

        _time.Advance(TimeSpan.Zero); // the first announce of both

        var (nodeSeenByA, idSeenByA) = await foundByA.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        var (nodeSeenByB, idSeenByB) = await foundByB.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(PeerEndpoint.Parse("127.0.0.1:41002"), nodeSeenByA);
        Assert.Equal(b.Discovery.Self, idSeenByA);
        Assert.Equal(PeerEndpoint.Parse("127.0.0.1:41001"), nodeSeenByB);
        Assert.Equal(a.Discovery.Self, idSeenByB);
        Assert.Equal(1, a.Sent);

        // Multicast loopback also returns our own announce; the cookie marks it as ours.
        Assert.True(SpinWait.SpinUntil(() => a.Discovery.Counters.OwnEcho >= 1 && b.Discovery.Counters.OwnEcho >= 1, Patience));

        // The burst's second announce is heard but not reported again (one report a minute per sender).
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(SpinWait.SpinUntil(() => a.Discovery.Counters.RateLimited >= 1, Patience));
        Assert.False(foundByA.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Reports_a_unicast_announce_from_a_plain_socket_and_drops_garbage()
    {
        var (a, found) = Appliance(41003);
        a.Start();
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, _port);

        sender.SendTo("BT-SEARCH * HTTP/1.1\r\nnonsense\r\n\r\n"u8, SocketFlags.None, target);
        var other = NodeId.Random();
        string announce =
            "BT-SEARCH * HTTP/1.1\r\n" +
            $"Host: {LsdSpec.IPv4Host}\r\n" +
            "Port: 5555\r\n" +
            $"Infohash: {LsdPicoTalk.Infohash}\r\n" +
            "cookie: someone-else\r\n" +
            $"X-PicoTalk-Id: {other}\r\n" +
            "\r\n\r\n";
        sender.SendTo(Encoding.ASCII.GetBytes(announce), SocketFlags.None, target);

        var (node, id) = await found.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(PeerEndpoint.Parse("127.0.0.1:5555"), node);
        Assert.Equal(other, id);
        Assert.Equal(1, a.Discovery.Counters.Malformed);
    }

    [Fact]
    public void Joins_nothing_on_a_missing_interface_and_still_runs_and_disposes()
    {
        var socket = new LanDiscoverySocket(_time, NodeId.Random(), 41004, (_, _) => { }, _log,
            new LanDiscoverySocketOptions { Port = _port, Interfaces = ["no-such-nic0"] });
        socket.Start();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal((0, 0), (socket.IPv4Memberships, socket.IPv6Memberships));
        Assert.Equal(3, socket.Discovery.Counters.AnnouncesDue);
        Assert.Equal(0, socket.Sent);
        socket.Dispose();
        socket.Dispose();
        Assert.Contains("no interface named 'no-such-nic0'", _logText.ToString());
    }

    [Fact]
    public void Logs_and_goes_on_when_the_port_is_held_without_address_reuse()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Any, _port));
        var (a, _) = Appliance(41005);
        a.Start();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, a.IPv4Memberships);
        Assert.Contains($"cannot open InterNetwork port {_port}", _logText.ToString());
    }

    [Fact]
    public void Uses_ipv4_only_on_loopback_where_ipv6_multicast_cannot_be_sent()
    {
        var (a, _) = Appliance(41006);
        a.Start();
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((1, 0), (a.IPv4Memberships, a.IPv6Memberships));
        Assert.Equal((3L, 0L), (a.Sent, a.SendErrors));
        Assert.Equal(3, a.Discovery.Counters.AnnouncesDue);
    }

    [Fact]
    public void Dispose_stops_the_schedule_and_frees_the_port_for_a_successor()
    {
        var (a, _) = Appliance(41007);
        a.Start();
        _time.Advance(TimeSpan.Zero);
        long sent = a.Sent;
        a.Dispose();
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(sent, a.Sent);
        Assert.Throws<ObjectDisposedException>(a.Start);

        // Not even SO_REUSEADDR is needed any more: the sockets are closed.
        using var successor = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        successor.Bind(new IPEndPoint(IPAddress.Any, _port));
    }

    private (LanDiscoverySocket Socket, Channel<(PeerEndpoint, NodeId?)> Found) Appliance(ushort dhtPort)
    {
        var found = Channel.CreateUnbounded<(PeerEndpoint, NodeId?)>();
        var socket = new LanDiscoverySocket(_time, NodeId.Random(), dhtPort, (node, id) => found.Writer.TryWrite((node, id)), _log,
            new LanDiscoverySocketOptions { Port = _port, Interfaces = ["lo"] });
        _owned.Add(socket);
        return (socket, found);
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
