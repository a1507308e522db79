using System.Net;
using System.Text;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Lan;

/// <summary>What <see cref="LanDiscovery.Receive"/> reports, ignores and rate-limits.</summary>
public sealed class LanDiscoveryReceiveTests : IDisposable
{
    private static readonly PeerEndpoint Source = PeerEndpoint.Parse("192.0.2.7:6771");

    private readonly FakeTimeProvider _time = new();
    private readonly LanDiscovery _us;
    private readonly LanDiscovery _them;

    public LanDiscoveryReceiveTests()
    {
        _us = new LanDiscovery(_time, NodeId.Random(), 5004, LanDiscovery.NewCookie());
        _them = new LanDiscovery(_time, NodeId.Random(), 40001, LanDiscovery.NewCookie());
    }

    public void Dispose()
    {
        _us.Dispose();
        _them.Dispose();
    }

    [Fact]
    public void Reports_another_appliance_at_the_source_address_with_its_announced_port_and_id()
    {
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(Announce(_them), Source, out var peer));
        Assert.Equal(PeerEndpoint.Parse("192.0.2.7:40001"), peer.DhtNode);
        Assert.Equal(_them.Self, peer.Id);
    }

    [Fact]
    public void Reports_an_ipv6_link_local_sender_with_its_scope()
    {
        var source = PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("fe80::1%3"), 6771));
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(Announce(_them, LsdSpec.IPv6Host), source, out var peer));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fe80::1%3"), 40001), peer.DhtNode.ToIPEndPoint());
    }

    [Fact]
    public void Reports_an_announce_without_our_id_header_with_no_id()
    {
        var bytes = Bytes(new LsdMessage(LsdSpec.IPv4Host, 6000, [LsdPicoTalk.Infohash], "abc"));
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(bytes, Source, out var peer));
        Assert.Null(peer.Id);
        Assert.Equal(6000, peer.DhtNode.Port);
    }

    [Fact]
    public void Ignores_its_own_echo_by_cookie_or_by_node_id()
    {
        Assert.Equal(LanReceiveResult.OwnEcho, _us.Receive(Announce(_us), Source, out _));
        var sameIdOtherCookie = Bytes(new LsdMessage(LsdSpec.IPv4Host, 5004, [LsdPicoTalk.Infohash], "other", _us.Self));
        Assert.Equal(LanReceiveResult.OwnEcho, _us.Receive(sameIdOtherCookie, Source, out _));
        Assert.Equal(2, _us.Counters.OwnEcho);
        Assert.Equal(0, _us.Counters.Reported);
    }

    [Fact]
    public void Ignores_bittorrent_announces_and_counts_malformed_datagrams()
    {
        var torrent = Bytes(new LsdMessage(LsdSpec.IPv4Host, 6881, [NodeId.Random()], "abc"));
        Assert.Equal(LanReceiveResult.OtherInfohash, _us.Receive(torrent, Source, out _));
        Assert.Equal(LanReceiveResult.Malformed, _us.Receive("M-SEARCH * HTTP/1.1\r\n\r\n"u8, Source, out _));
        Assert.Equal(LanReceiveResult.Malformed, _us.Receive([], Source, out _));
        Assert.Equal((3, 1, 2), (_us.Counters.Received, _us.Counters.OtherInfohash, _us.Counters.Malformed));
    }

    [Fact]
    public void Finds_us_among_several_infohashes()
    {
        var bytes = Bytes(new LsdMessage(LsdSpec.IPv4Host, 7000, [NodeId.Random(), LsdPicoTalk.Infohash], "abc"));
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(bytes, Source, out _));
    }

    [Fact]
    public void Reports_a_sender_once_a_minute_but_again_at_once_when_its_id_changes()
    {
        var announce = Announce(_them);
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(announce, Source, out _));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(LanReceiveResult.RateLimited, _us.Receive(announce, Source, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(announce, Source, out _));

        // The appliance at that address restarted with a new identity.
        using var restarted = new LanDiscovery(_time, NodeId.Random(), 40001, LanDiscovery.NewCookie());
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(Announce(restarted), Source, out var peer));
        Assert.Equal(restarted.Self, peer.Id);
        Assert.Equal(1, _us.Counters.RateLimited);
    }

    [Fact]
    public void Reports_two_appliances_on_one_host_separately()
    {
        using var second = new LanDiscovery(_time, NodeId.Random(), 40002, LanDiscovery.NewCookie());
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(Announce(_them), Source, out var a));
        Assert.Equal(LanReceiveResult.Reported, _us.Receive(Announce(second), Source, out var b));
        Assert.NotEqual(a.DhtNode, b.DhtNode);
    }

    [Fact]
    public void A_flood_of_forged_senders_is_bounded_in_memory_and_in_reports()
    {
        var limits = new LanDiscoveryLimits();
        const int Senders = 20_000;
        var step = TimeSpan.FromMilliseconds(10);
        int reported = 0;
        for (int i = 0; i < Senders; i++)
        {
            var source = new PeerEndpoint(0, 0x0000_FFFF_0A00_0000UL | (uint)i, 6771);
            var bytes = Bytes(new LsdMessage(LsdSpec.IPv4Host, (ushort)(1 + (i % 60000)), [LsdPicoTalk.Infohash], "f" + i));
            if (_us.Receive(bytes, source, out _) == LanReceiveResult.Reported)
            {
                reported++;
            }

            Assert.InRange(_us.TrackedSources, 0, limits.MaxSources);
            _time.Advance(step);
        }

        double seconds = (Senders * step).TotalSeconds;
        int ceiling = limits.ReportBurst + (int)Math.Ceiling(seconds * limits.ReportsPerSecond);
        Assert.InRange(reported, ceiling - 2, ceiling);
        Assert.Equal(Senders - reported, _us.Counters.RateLimited);
    }

    [Fact]
    public void A_sender_forgotten_by_a_full_table_is_reported_again()
    {
        var limits = new LanDiscoveryLimits { MaxSources = 4, ReportBurst = 100 };
        using var small = new LanDiscovery(_time, NodeId.Random(), 5004, "me", limits);
        var first = PeerEndpoint.Parse("10.0.0.1:6771");
        Assert.Equal(LanReceiveResult.Reported, small.Receive(Announce(_them), first, out _));
        for (int i = 2; i <= 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(LanReceiveResult.Reported, small.Receive(Announce(_them), PeerEndpoint.Parse($"10.0.0.{i}:6771"), out _));
        }

        Assert.Equal(4, small.TrackedSources);
        Assert.Equal(LanReceiveResult.Reported, small.Receive(Announce(_them), first, out _));
        Assert.Equal(4, small.TrackedSources);
    }

    private static byte[] Announce(LanDiscovery sender, string host = LsdSpec.IPv4Host)
    {
        var buffer = new byte[LsdSpec.MaxDatagram];
        return buffer.AsSpan(0, sender.WriteAnnounce(host, buffer)).ToArray();
    }

    private static byte[] Bytes(LsdMessage message)
    {
        var buffer = new byte[LsdSpec.MaxDatagram];
        return buffer.AsSpan(0, LsdMessage.Write(message, buffer)).ToArray();
    }

    [Fact]
    public void Counts_every_outcome_once()
    {
        _us.Receive(Announce(_them), Source, out _);
        _us.Receive(Announce(_them), Source, out _);
        _us.Receive(Encoding.ASCII.GetBytes("garbage"), Source, out _);
        _us.Receive(Announce(_us), Source, out _);
        var c = _us.Counters;
        Assert.Equal(4, c.Received);
        Assert.Equal(c.Received, c.Reported + c.RateLimited + c.Malformed + c.OwnEcho + c.OtherInfohash);
        Assert.Equal((1, 1, 1, 1), (c.Reported, c.RateLimited, c.Malformed, c.OwnEcho));
    }
}
