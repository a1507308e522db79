using System.Net;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Nat;

/// <summary>RFC 4787 §4.1 mapping behaviour from BEP 42 "ip" reports (RFC 5780 §4.3's test, with DHT nodes as servers).</summary>
public sealed class NatObserverTests
{
    private readonly FakeTimeProvider _time = new(seed: 5);
    private readonly NatObserver _nat;

    public NatObserverTests()
    {
        _nat = new NatObserver(_time);
    }

    private static PeerEndpoint At(string text) => PeerEndpoint.Parse(text);

    [Fact]
    public void With_fewer_than_two_reporters_nothing_is_known()
    {
        Assert.Equal(NatMapping.Unknown, _nat.Mapping);
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:5004"));
        Assert.Equal(NatMapping.Unknown, _nat.Mapping);
        Assert.Null(_nat.ConsistentEndpoint);
        Assert.Null(_nat.IsBehindNat);
    }

    [Fact]
    public void Two_reporters_at_different_addresses_that_agree_mean_endpoint_independent()
    {
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:5004"));
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:5004"));
        Assert.Equal(NatMapping.EndpointIndependent, _nat.Mapping);
        Assert.Equal(At("203.0.113.9:5004"), _nat.ConsistentEndpoint);
    }

    [Fact]
    public void One_address_with_a_port_per_reporter_means_endpoint_dependent()
    {
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:40001"));
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:51234"));
        Assert.Equal(NatMapping.EndpointDependent, _nat.Mapping);
        Assert.Null(_nat.ConsistentEndpoint);
        Assert.True(_nat.IsBehindNat); // only a NAT changes the port with the destination
    }

    [Fact]
    public void One_liar_does_not_outvote_two_agreeing_reporters()
    {
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:5004"));
        _nat.Report(At("198.51.100.66:6881"), At("203.0.113.9:1"));
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:5004"));
        Assert.Equal(NatMapping.EndpointIndependent, _nat.Mapping);
    }

    [Fact]
    public void A_reporter_counts_once_its_newer_report_replacing_the_older()
    {
        // Two ports from one reporter address (its two sockets, or our mapping renewed) prove nothing.
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:40001"));
        _nat.Report(At("198.51.100.1:6882"), At("203.0.113.9:40002"));
        Assert.Equal(1, _nat.ReportCount);
        Assert.Equal(NatMapping.Unknown, _nat.Mapping);
    }

    [Fact]
    public void Reports_are_bounded_and_the_oldest_goes_first()
    {
        for (int i = 1; i <= 3 * NatObserver.MaxReporters; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _nat.Report(At($"198.51.100.{i}:6881"), At($"203.0.113.9:{40000 + i}"));
        }

        Assert.Equal(NatObserver.MaxReporters, _nat.ReportCount);
        Assert.Equal(NatMapping.EndpointDependent, _nat.Mapping);

        // The newest reporters now agree: the old disagreeing ones are gone or outvoted.
        _nat.Report(At("192.0.2.1:6881"), At("203.0.113.9:5004"));
        _nat.Report(At("192.0.2.2:6881"), At("203.0.113.9:5004"));
        Assert.Equal(NatMapping.EndpointIndependent, _nat.Mapping);
    }

    [Fact]
    public void Reports_expire_after_their_lifetime()
    {
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:5004"));
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:5004"));
        _time.Advance(NatObserver.ReportLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(NatMapping.EndpointIndependent, _nat.Mapping);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NatMapping.Unknown, _nat.Mapping);
        Assert.Equal(0, _nat.ReportCount);
    }

    [Fact]
    public void Seen_at_one_of_our_own_addresses_means_no_nat()
    {
        _nat.Report(At("198.51.100.1:6881"), At("203.0.113.9:5004"));
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:5004"));
        Assert.Null(_nat.IsBehindNat); // our addresses were never given

        _nat.SetLocalAddresses([IPAddress.Loopback, IPAddress.Parse("203.0.113.9")]);
        Assert.False(_nat.IsBehindNat);

        _nat.SetLocalAddresses([IPAddress.Loopback, IPAddress.Parse("10.0.0.5")]);
        Assert.True(_nat.IsBehindNat);
    }

    [Fact]
    public void An_empty_or_portless_report_is_ignored()
    {
        _nat.Report(At("198.51.100.1:6881"), default);
        _nat.Report(At("198.51.100.2:6881"), At("203.0.113.9:5004").WithPort(0));
        Assert.Equal(0, _nat.ReportCount);
    }
}
