using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Tests.Calls;

/// <summary>Dialing an ID alone: the address comes from the endpoint cache, else the resolver (the DHT).</summary>
public sealed class DialByIdTests : IDisposable
{
    private readonly CallWorld _world = new(seed: 7);
    private readonly FakeResolver _resolver;
    private readonly CallNode _a;
    private readonly CallNode _b;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public DialByIdTests()
    {
        _resolver = new FakeResolver(_world);
        _a = _world.Add("10.0.0.1:5004", "Front door", resolver: _resolver);
        _b = _world.Add("10.0.0.2:5004", "Kitchen");
    }

    public void Dispose() => _world.Dispose();

    private void RingsAndEnds()
    {
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.True(_a.Calls.Hangup().Success);
        _world.RunUntil(() => _a.Calls.State == CallState.Idle && _b.Calls.State == CallState.Idle, Limit, "idle");
    }

    [Fact]
    public void An_id_is_looked_up_then_called_and_the_next_call_skips_the_lookup()
    {
        _resolver.Table[_b.Id] = [_b.Address];
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        Assert.Equal(CallState.Connecting, _a.Calls.State);
        Assert.Null(_a.Calls.Current!.Remote);
        RingsAndEnds();
        Assert.Equal([_b.Id], _resolver.Asked);

        Assert.True(_a.Calls.Dial(_b.Id).Success);
        RingsAndEnds();
        Assert.Single(_resolver.Asked);
    }

    [Fact]
    public void A_stale_cached_address_falls_back_to_the_lookup()
    {
        _resolver.Table[_b.Id] = [_b.Address];
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        RingsAndEnds();

        _b.MoveTo("10.0.0.99:5004");
        _resolver.Table[_b.Id] = [_b.Address];
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, TimeSpan.FromSeconds(20), "ringing at the new address");
        Assert.Equal(2, _resolver.Asked.Count);
        Assert.Equal(_b.Address, _a.Calls.Current!.Remote);
    }

    [Fact]
    public void An_id_the_dht_does_not_know_ends_the_call_with_a_reason()
    {
        Assert.True(_a.Calls.Dial(NodeId.Random()).Success);
        _world.RunUntil(() => _a.Calls.State == CallState.Idle, Limit, "given up");
        var (reason, message) = Assert.Single(_a.Ended);
        Assert.Equal(CallEndReason.Timeout, reason);
        Assert.Contains("not found", message);
    }

    [Fact]
    public void When_the_first_address_found_is_dead_the_next_is_tried()
    {
        _resolver.Table[_b.Id] = [PeerEndpoint.Parse("10.0.0.50:5004"), _b.Address];
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, TimeSpan.FromSeconds(20), "ringing");
        Assert.Equal(_b.Address, _a.Calls.Current!.Remote);
    }

    [Fact]
    public void An_address_that_answers_with_another_identity_is_not_called()
    {
        var c = _world.Add("10.0.0.3:5004", "Garage");
        _resolver.Table[_b.Id] = [c.Address, _b.Address];
        Assert.True(_a.Calls.Dial(_b.Id).Success);
        _world.RunUntil(() => _b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.Empty(c.Rings);
        Assert.Equal(_b.Id, _a.Calls.Current!.PeerId);
    }

    [Fact]
    public void Without_a_dht_an_unknown_id_is_refused_at_once()
    {
        var lone = _world.Add("10.0.0.4:5004", "Shed");
        var result = lone.Calls.Dial(_b.Id);
        Assert.False(result.Success);
        Assert.Equal("invalid_argument", result.ErrorCode);
        Assert.Contains("DHT", result.Message);
    }
}
