using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Tests.Calls;

/// <summary>
/// The caller's side of issue 3 "NAT": after the lookup it starts the handshake and asks up to three
/// relays to punch; when the relays say the callee maps per destination and so do we, the call ends
/// at once with the reason, instead of after the handshake timeout.
/// </summary>
public sealed class NatCallTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);
    private readonly CallWorld _world = new(seed: 11);
    private readonly FakeResolver _resolver;
    private readonly CallNode _a;
    private readonly CallNode _b;

    public NatCallTests()
    {
        _resolver = new FakeResolver(_world);
        _a = _world.Add("10.0.0.1:5004", "Front door", resolver: _resolver);
        _b = _world.Add("10.0.0.2:5004", "Kitchen");
    }

    public void Dispose() => _world.Dispose();

    private static List<PunchRelay> Relays(int count) =>
        Enumerable.Range(1, count).Select(i => new PunchRelay(NodeId.Random(), PeerEndpoint.Parse($"10.0.1.{i}:6881"))).ToList();

    [Fact]
    public void Up_to_three_relays_are_asked_once_the_handshake_has_started()
    {
        _resolver.Table[_b.Id] = [_b.Address];
        _resolver.Relays[_b.Id] = Relays(5);
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _resolver.Punches.Count > 0, Limit, "punch requested");
        // The handshake went out first (same loop turn), so our NAT maps toward the callee before it sends to us.
        Assert.Equal(_b.Address, _a.Calls.Current!.Remote);
        Assert.Equal(CallController.MaxPunchRelays, _resolver.Punches.Count);
        Assert.All(_resolver.Punches, p => Assert.Equal(_b.Id, p.Callee));
        Assert.Equal(_resolver.Relays[_b.Id].Take(3), _resolver.Punches.Select(p => p.Relay));
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
    }

    [Fact]
    public void Both_ends_behind_symmetric_nat_end_the_call_at_once_with_the_reason()
    {
        // The callee's announced endpoint is dead to us, as a symmetric NAT's mapping toward another node is.
        _resolver.Table[_b.Id] = [PeerEndpoint.Parse("10.0.0.60:5004")];
        _resolver.Relays[_b.Id] = Relays(2);
        _resolver.LocalNat = NatMapping.EndpointDependent;
        _resolver.PunchAnswer = new PunchResult(true, NatMapping.EndpointDependent, null);
        long start = _world.Time.GetTimestamp();
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _a.Calls.State == CallState.Idle, Limit, "given up");
        var elapsed = _world.Time.GetElapsedTime(start);

        var (reason, message) = Assert.Single(_a.Ended);
        Assert.Equal(CallEndReason.Unreachable, reason);
        Assert.Equal(CallController.SymmetricNatMessage, message);
        // The lookup (300 ms) and the relay's answer (100 ms), not the 5 s handshake timeout.
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
    }

    [Theory]
    [InlineData(NatMapping.EndpointIndependent, NatMapping.EndpointDependent)]
    [InlineData(NatMapping.EndpointDependent, NatMapping.EndpointIndependent)]
    [InlineData(NatMapping.Unknown, NatMapping.EndpointDependent)]
    public void One_symmetric_end_alone_does_not_end_the_call(NatMapping ours, NatMapping callee)
    {
        _resolver.Table[_b.Id] = [_b.Address];
        _resolver.Relays[_b.Id] = Relays(1);
        _resolver.LocalNat = ours;
        _resolver.PunchAnswer = new PunchResult(true, callee, null);
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.Empty(_a.Ended);
        Assert.Single(_resolver.Punches);
    }

    [Fact]
    public void A_failed_punch_leaves_the_handshake_to_go_on()
    {
        // The first address is dead, so the answers arrive while the handshake is still trying.
        _resolver.Table[_b.Id] = [PeerEndpoint.Parse("10.0.0.60:5004"), _b.Address];
        _resolver.Relays[_b.Id] = Relays(2);
        _resolver.LocalNat = NatMapping.EndpointDependent;
        _resolver.PunchAnswer = PunchResult.Failed("relay: callee did not answer (201)");
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.Empty(_a.Ended);
        Assert.Contains(_a.Log, line => line.Contains("callee did not answer"));
    }

    [Fact]
    public void The_handshake_moves_to_where_a_symmetric_callee_sent_its_punch_from()
    {
        // A callee behind an endpoint-dependent NAT: its announced port is dead to us, and its ping
        // came from the port its NAT opened toward us (here: its real address).
        var announced = PeerEndpoint.Parse("10.0.0.60:5004");
        _resolver.Table[_b.Id] = [announced];
        _resolver.Relays[_b.Id] = Relays(1);
        _resolver.PunchAnswer = new PunchResult(true, NatMapping.EndpointDependent, null, _b.Address);
        long start = _world.Time.GetTimestamp();
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        // Well before the 5 s handshake timeout at the announced address would have tried anything else.
        Assert.True(_world.Time.GetElapsedTime(start) < TimeSpan.FromSeconds(2), $"took {_world.Time.GetElapsedTime(start)}");
        Assert.Equal(_b.Address, _a.Calls.Current!.Remote);
        Assert.Contains(_a.Log, line => line.Contains($"not {announced}"));
        Assert.Empty(_a.Ended);
    }

    [Fact]
    public void A_punch_seen_at_the_address_already_tried_changes_nothing()
    {
        _resolver.Table[_b.Id] = [_b.Address];
        _resolver.Relays[_b.Id] = Relays(1);
        _resolver.PunchAnswer = new PunchResult(true, NatMapping.EndpointIndependent, null, _b.Address);
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.DoesNotContain(_a.Log, line => line.Contains("handshaking there"));
    }
}
