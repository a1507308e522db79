using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Net;

namespace PicoTalk.Service.Tests.Net;

public sealed class UdpTransportTests : IDisposable
{
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly DropCounters _drops = new();
    private readonly Recorder _recorder;
    private readonly UdpTransport _transport;

    public UdpTransportTests()
    {
        _recorder = new Recorder(_loop);
        var dispatcher = new PacketDispatcher(_drops);
        dispatcher.Register(PacketType.Media, _recorder);
        _transport = new UdpTransport(null, 0, _loop, dispatcher, _drops);
        _loop.Start();
        _transport.Start();
    }

    public void Dispose()
    {
        _transport.Dispose();
        _loop.Dispose();
    }

    private sealed class Recorder(EventLoop loop) : IDatagramHandler
    {
        public Channel<(byte[] Data, PeerEndpoint From)> Seen { get; } = Channel.CreateUnbounded<(byte[], PeerEndpoint)>();

        /// <summary>Datagrams handled so far (read on the loop).</summary>
        public int Count { get; private set; }

        /// <summary>Run on the loop after the first datagram is handled.</summary>
        public Action? AfterFirst { get; set; }

        public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from)
        {
            loop.AssertOnLoop();
            Seen.Writer.TryWrite((datagram.ToArray(), from));
            if (++Count == 1)
            {
                AfterFirst?.Invoke();
            }
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Delivers_ipv4_and_ipv6_datagrams_on_the_loop_with_the_senders_address(string address)
    {
        var ip = IPAddress.Parse(address);
        using var peer = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(ip, 0));
        peer.SendTo(new byte[] { 0x10, 1, 2, 3 }, new IPEndPoint(ip, _transport.LocalPort));

        var (data, from) = await _recorder.Seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 0x10, 1, 2, 3 }, data);
        Assert.Equal(PeerEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!), from);

        // And back, through the same socket.
        _transport.Send(new byte[] { 9, 8, 7 }, from);
        var buffer = new byte[16];
        peer.ReceiveTimeout = 10_000;
        Assert.Equal(3, peer.Receive(buffer));
        Assert.Equal(new byte[] { 9, 8, 7 }, buffer[..3]);
    }

    [Fact]
    public async Task Oversized_and_unknown_datagrams_are_dropped_and_counted()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(IPAddress.Loopback, _transport.LocalPort);
        var big = new byte[UdpTransport.MaxDatagram + 100];
        big[0] = 0x10;
        peer.SendTo(big, to);
        peer.SendTo(new byte[] { 0x7f, 0 }, to);
        peer.SendTo(new byte[] { 0x10, 42 }, to);

        // The last one arrives, so the two before it have been handled.
        var (data, _) = await _recorder.Seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 0x10, 42 }, data);
        Assert.Equal(1, _drops[DropReason.Malformed]);
        Assert.Equal(1, _drops[DropReason.UnknownType]);
    }

    [Fact]
    public async Task Sending_to_a_closed_port_does_not_throw_and_the_socket_keeps_receiving()
    {
        // Linux reports an ICMP port unreachable as ECONNREFUSED on the socket's next call; the
        // loop's read must shrug it off rather than stop.
        for (int i = 0; i < 5; i++)
        {
            _transport.Send(new byte[] { 0x10 }, PeerEndpoint.Parse("127.0.0.1:9"));
        }

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.SendTo(new byte[] { 0x10, 7 }, new IPEndPoint(IPAddress.Loopback, _transport.LocalPort));
        var (data, _) = await _recorder.Seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 0x10, 7 }, data);
    }

    [Fact]
    public async Task A_burst_of_datagrams_does_not_hold_the_loop_until_it_is_all_read()
    {
        // The loop is held while 200 datagrams queue up in the socket; the first one handled posts
        // work, which must run before the burst is through (the transport reads a bounded number
        // per turn), not after all of it.
        using var hold = new ManualResetEventSlim();
        _loop.Post(() => hold.Wait(TimeSpan.FromSeconds(10)));
        var postedRanAt = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _recorder.AfterFirst = () => _loop.Post(() => postedRanAt.SetResult(_recorder.Count));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(IPAddress.Loopback, _transport.LocalPort);
        for (int i = 0; i < 200; i++)
        {
            peer.SendTo(new byte[] { 0x10, (byte)i }, to);
        }

        hold.Set();
        int handledBefore = await postedRanAt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(handledBefore, 1, 64);
        for (int i = 0; i < 200; i++)
        {
            var (data, _) = await _recorder.Seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal((byte)i, data[1]);
        }
    }
}
