using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Wire;

public sealed class PeerEndpointTests
{
    [Theory]
    [InlineData("127.0.0.1:5004", true)]
    [InlineData("192.0.2.7:65535", true)]
    [InlineData("[::1]:5004", false)]
    [InlineData("[2001:db8::42]:1", false)]
    public void Parses_and_prints_ipv4_and_ipv6(string text, bool isV4)
    {
        var ep = PeerEndpoint.Parse(text);
        Assert.Equal(isV4, ep.IsIPv4);
        Assert.Equal(text, ep.ToString());
        Assert.Equal(IPEndPoint.Parse(text), ep.ToIPEndPoint());
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("host:5004")]
    [InlineData("1.2.3.4:99999")]
    public void Refuses_what_is_not_a_numeric_address_and_port(string text)
    {
        Assert.False(PeerEndpoint.TryParse(text, out _));
    }

    [Fact]
    public void Ipv4_equals_its_mapped_ipv6_form_so_a_dual_stack_socket_finds_the_same_session()
    {
        var v4 = PeerEndpoint.Parse("10.1.2.3:5004");
        var mapped = PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 5004));
        Assert.Equal(v4, mapped);
        Assert.Equal(v4.GetHashCode(), mapped.GetHashCode());
    }

    [Theory]
    [InlineData("127.0.0.1:5004", AddressFamily.InterNetwork)]
    [InlineData("127.0.0.1:5004", AddressFamily.InterNetworkV6)]
    [InlineData("[fe80::1%3]:5004", AddressFamily.InterNetworkV6)]
    public void Round_trips_through_a_socket_address(string text, AddressFamily family)
    {
        var ep = PeerEndpoint.Parse(text);
        var address = new SocketAddress(family);
        Assert.True(ep.TryWriteTo(address));
        Assert.True(PeerEndpoint.TryRead(address, out var back));
        Assert.Equal(ep, back);
    }

    [Fact]
    public void An_ipv6_peer_cannot_be_written_for_an_ipv4_socket()
    {
        Assert.False(PeerEndpoint.Parse("[::1]:5004").TryWriteTo(new SocketAddress(AddressFamily.InterNetwork)));
    }

    [Fact]
    public void Talks_over_a_real_dual_stack_socket()
    {
        using var receiver = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        receiver.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        receiver.ReceiveTimeout = 5000;
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        var to = new SocketAddress(AddressFamily.InterNetwork);
        Assert.True(PeerEndpoint.Parse($"127.0.0.1:{port}").TryWriteTo(to));
        sender.SendTo("hi"u8, SocketFlags.None, to);

        var from = new SocketAddress(AddressFamily.InterNetworkV6);
        byte[] buffer = new byte[16];
        Assert.Equal(2, receiver.ReceiveFrom(buffer, SocketFlags.None, from));
        Assert.True(PeerEndpoint.TryRead(from, out var peer));
        Assert.Equal(PeerEndpoint.FromIPEndPoint((IPEndPoint)sender.LocalEndPoint!), peer);
        Assert.True(peer.IsIPv4);
    }

    [Fact]
    public void Address_bytes_and_port_changes_keep_the_address()
    {
        var ep = PeerEndpoint.Parse("192.0.2.7:5004");
        Span<byte> address = stackalloc byte[PeerEndpoint.AddressSize];
        ep.WriteAddress(address);
        Assert.Equal(Convert.FromHexString("00000000000000000000ffffc0000207"), address.ToArray());
        var moved = ep.WithPort(6881);
        Assert.Equal("192.0.2.7:6881", moved.ToString());
        Assert.True(moved.SameAddress(ep));
        Assert.NotEqual(ep, moved);
        Assert.False(PeerEndpoint.Parse("192.0.2.8:5004").SameAddress(ep));
    }

    [Theory]
    [InlineData("127.0.0.1:1", true)]
    [InlineData("10.1.2.3:1", true)]
    [InlineData("172.16.0.1:1", true)]
    [InlineData("172.31.255.1:1", true)]
    [InlineData("172.32.0.1:1", false)]
    [InlineData("192.168.1.1:1", true)]
    [InlineData("169.254.3.4:1", true)]
    [InlineData("192.0.2.1:1", false)]
    [InlineData("8.8.8.8:1", false)]
    [InlineData("[::1]:1", true)]
    [InlineData("[fd00::2]:1", true)]
    [InlineData("[fe80::1]:1", true)]
    [InlineData("[2001:db8::1]:1", false)]
    public void Knows_local_addresses(string text, bool local)
    {
        Assert.Equal(local, PeerEndpoint.Parse(text).IsLocal);
    }
}
