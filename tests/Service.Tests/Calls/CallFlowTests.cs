using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Calls;

/// <summary>
/// Whole calls between appliances on the in-memory network with a fake clock: the daemon's own
/// composition (<see cref="PicoTalk.Service.Daemon.ApplianceCore"/>), every signal over real
/// encrypted sessions, deterministic for a seed.
/// </summary>
public sealed class CallFlowTests : IDisposable
{
    private readonly CallWorld _world = new(seed: 42);

    public void Dispose() => _world.Dispose();

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private (CallNode A, CallNode B) Pair()
    {
        var a = _world.Add("10.0.0.1:5004", "Front door");
        var b = _world.Add("10.0.0.2:5004", "Kitchen");
        return (a, b);
    }

    private void Connect(CallNode a, CallNode b)
    {
        Assert.True(a.Calls.Dial(b.Address, b.Id).Success);
        _world.RunUntil(() => b.Calls.State == CallState.RingingIn && a.Calls.State == CallState.RingingOut, Limit, "ringing");
        Assert.True(b.Calls.Answer().Success);
        _world.RunUntil(() => a.Calls.State == CallState.InCall && b.Calls.State == CallState.InCall, Limit, "in a call");
    }

    [Fact]
    public void Dial_ring_answer_talk_and_hang_up()
    {
        var (a, b) = Pair();
        Connect(a, b);

        var ring = Assert.Single(b.Rings);
        Assert.Equal(a.Id, ring.PeerId);
        Assert.Equal("Front door", ring.PeerName);
        Assert.Equal(b.Id, a.Calls.Current!.PeerId);

        // Media both ways, one frame per 20 ms.
        var mediaA = Assert.Single(a.Media);
        var mediaB = Assert.Single(b.Media);
        _world.Run(TimeSpan.FromSeconds(1), () =>
        {
            mediaA.SendFrame();
            mediaB.SendFrame();
        });
        Assert.True(mediaB.Received.Count >= 190, $"B received {mediaB.Received.Count}");
        Assert.True(mediaA.Received.Count >= 190, $"A received {mediaA.Received.Count}");

        Assert.True(a.Calls.Hangup().Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, Limit, "idle");
        Assert.True(mediaA.Disposed && mediaB.Disposed);
        Assert.Equal(CallEndReason.Hangup, Assert.Single(a.Ended).Reason);
        Assert.Equal(CallEndReason.Hangup, Assert.Single(b.Ended).Reason);
        // The caller went through Ending and was acknowledged, not timed out.
        Assert.Contains(a.Transitions, t => t.On == CallTrigger.RemoteHangupAck);
        Assert.Equal(
            [CallState.Connecting, CallState.RingingOut, CallState.InCall, CallState.Ending, CallState.Idle],
            a.Transitions.Select(t => t.Now));
        Assert.Equal([CallState.RingingIn, CallState.InCall, CallState.Idle], b.Transitions.Select(t => t.Now));
    }

    [Fact]
    public void Signalling_survives_a_lossy_jittery_network()
    {
        _world.Network.DefaultConditions = new LinkConditions
        {
            Latency = TimeSpan.FromMilliseconds(40),
            Jitter = TimeSpan.FromMilliseconds(30),
            LossRate = 0.3,
            DuplicateRate = 0.05,
            ReorderRate = 0.1,
        };
        var (a, b) = Pair();
        Connect(a, b);
        Assert.True(b.Calls.Hangup().Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, Limit, "idle");
        Assert.Single(b.Rings);
        Assert.Equal(CallEndReason.Hangup, Assert.Single(a.Ended).Reason);
        Assert.True(_world.Network.Dropped > 0);
    }

    [Fact]
    public void The_callee_rejects()
    {
        var (a, b) = Pair();
        Assert.True(a.Calls.Dial(b.Address, b.Id).Success);
        _world.RunUntil(() => b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.True(b.Calls.Reject().Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, Limit, "idle");
        Assert.Equal(CallEndReason.Rejected, Assert.Single(a.Ended).Reason);
        Assert.Equal(CallEndReason.Rejected, Assert.Single(b.Ended).Reason);
        Assert.Empty(a.Media);
        Assert.Empty(b.Media);
    }

    [Fact]
    public void The_caller_gives_up_while_it_rings()
    {
        var (a, b) = Pair();
        Assert.True(a.Calls.Dial(b.Address, b.Id).Success);
        _world.RunUntil(() => b.Calls.State == CallState.RingingIn, Limit, "ringing");
        Assert.True(a.Calls.Hangup().Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, Limit, "idle");
        Assert.Equal(CallEndReason.Hangup, Assert.Single(b.Ended).Reason);
    }

    [Fact]
    public void A_third_caller_hears_busy_and_the_call_goes_on()
    {
        var (a, b) = Pair();
        var c = _world.Add("10.0.0.3:5004", "Garage");
        Connect(a, b);
        Assert.True(c.Calls.Dial(b.Address, b.Id).Success);
        _world.RunUntil(() => c.Calls.State == CallState.Idle, Limit, "turned away");
        Assert.Equal(CallEndReason.Busy, Assert.Single(c.Ended).Reason);
        Assert.Equal(CallState.InCall, a.Calls.State);
        Assert.Equal(CallState.InCall, b.Calls.State);
        Assert.Equal(a.Id, b.Calls.Current!.PeerId);
        Assert.Single(b.Rings);
    }

    [Fact]
    public void Nothing_rings_when_nobody_answers_at_the_address_and_the_dial_times_out()
    {
        var (a, _) = Pair();
        Assert.True(a.Calls.Dial(PeerEndpoint.Parse("10.0.0.9:5004"), NodeId.Zero).Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle, TimeSpan.FromSeconds(15), "given up");
        var (reason, message) = Assert.Single(a.Ended);
        Assert.Equal(CallEndReason.Timeout, reason);
        Assert.Contains("10.0.0.9", message);
    }

    [Fact]
    public void A_peer_that_goes_silent_ends_the_call_on_both_sides()
    {
        var (a, b) = Pair();
        Connect(a, b);
        // B's network cable is cut: nothing from either side arrives any more.
        _world.Network.SetPath(a.Address, b.Address, new LinkConditions { LossRate = 1.0 });
        var took = _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, TimeSpan.FromSeconds(30), "timed out");
        Assert.Equal(CallEndReason.Timeout, Assert.Single(a.Ended).Reason);
        Assert.Equal(CallEndReason.Timeout, Assert.Single(b.Ended).Reason);
        Assert.InRange(took, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Nobody_answering_rings_out_after_the_ring_timeout()
    {
        var a = _world.Add("10.0.0.1:5004", "Front door", new CallOptions { RingTimeout = TimeSpan.FromSeconds(5) });
        var b = _world.Add("10.0.0.2:5004", "Kitchen", new CallOptions { RingTimeout = TimeSpan.FromSeconds(30) });
        Assert.True(a.Calls.Dial(b.Address, b.Id).Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, TimeSpan.FromSeconds(10), "rung out");
        Assert.Equal(CallEndReason.Timeout, Assert.Single(a.Ended).Reason);
        Assert.Equal(CallEndReason.Hangup, Assert.Single(b.Ended).Reason);
    }

    [Fact]
    public void A_replayed_key_request_never_rings()
    {
        var (a, b) = Pair();
        var requests = new List<byte[]>();
        _world.Network.Delivering += (from, to, datagram) =>
        {
            if (to == b.Address && datagram.Length > 0 && datagram[0] == (byte)PacketType.KeyRequest)
            {
                requests.Add(datagram.ToArray());
            }
        };
        Connect(a, b);
        Assert.True(a.Calls.Hangup().Success);
        _world.RunUntil(() => a.Calls.State == CallState.Idle && b.Calls.State == CallState.Idle, Limit, "idle");
        Assert.NotEmpty(requests);

        // An attacker on the path replays the recorded key requests from A's address, then later.
        var attacker = _world.Network.Attach(PeerEndpoint.Parse("10.0.0.66:1"), (_, _) => { });
        foreach (var request in requests)
        {
            b.Handle(request, a.Address);
        }

        _world.Run(TimeSpan.FromSeconds(10));
        foreach (var request in requests)
        {
            b.Handle(request, a.Address);
            attacker.Send(request, b.Address);
        }

        _world.Run(TimeSpan.FromSeconds(10));
        Assert.Single(b.Rings);
        Assert.Equal(CallState.Idle, b.Calls.State);
        Assert.DoesNotContain(b.Transitions.Skip(3), t => t.Now == CallState.RingingIn);
    }

    [Fact]
    public void Commands_that_make_no_sense_now_are_refused_with_the_state()
    {
        var (a, b) = Pair();
        var answer = a.Calls.Answer();
        Assert.False(answer.Success);
        Assert.Equal("invalid_state", answer.ErrorCode);
        Assert.Contains("idle", answer.Message);
        Assert.False(a.Calls.Hangup().Success);
        Connect(a, b);
        var dial = a.Calls.Dial(b.Address, b.Id);
        Assert.False(dial.Success);
        Assert.Contains("in_call", dial.Message);
    }

    [Fact]
    public void Dialing_an_address_with_the_wrong_id_ends_at_once_with_identity_mismatch()
    {
        var (a, b) = Pair();
        var expected = NodeId.Random();
        Assert.True(a.Calls.Dial(b.Address, expected).Success);
        var took = _world.RunUntil(() => a.Calls.State == CallState.Idle, Limit, "refused");
        var (reason, message) = Assert.Single(a.Ended);
        Assert.Equal(CallEndReason.IdentityMismatch, reason);
        Assert.Contains(expected.ToString(), message);
        Assert.Contains(b.Id.ToString(), message);
        Assert.True(took < TimeSpan.FromSeconds(1), $"took {took}");
        _world.Run(TimeSpan.FromSeconds(10));
        Assert.Empty(b.Rings);
        Assert.Equal(CallState.Idle, b.Calls.State);
    }

    [Fact]
    public void Dialing_ones_own_id_is_refused()
    {
        var (a, _) = Pair();
        var dial = a.Calls.Dial(PeerEndpoint.Parse("10.0.0.2:5004"), a.Id);
        Assert.False(dial.Success);
        Assert.Equal("invalid_argument", dial.ErrorCode);
        Assert.Equal(CallState.Idle, a.Calls.State);
    }
}
