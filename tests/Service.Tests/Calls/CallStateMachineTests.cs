using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Tests.Calls;

public sealed class CallStateMachineTests
{
    [Theory]
    [InlineData(CallState.Idle, CallTrigger.Dial, CallState.Connecting)]
    [InlineData(CallState.Idle, CallTrigger.RemoteInvite, CallState.RingingIn)]
    [InlineData(CallState.Connecting, CallTrigger.RemoteRinging, CallState.RingingOut)]
    [InlineData(CallState.RingingOut, CallTrigger.RemoteAnswer, CallState.InCall)]
    [InlineData(CallState.RingingIn, CallTrigger.LocalAnswer, CallState.InCall)]
    [InlineData(CallState.RingingIn, CallTrigger.LocalReject, CallState.Ending)]
    [InlineData(CallState.InCall, CallTrigger.LocalHangup, CallState.Ending)]
    [InlineData(CallState.InCall, CallTrigger.RemoteHangup, CallState.Idle)]
    [InlineData(CallState.Ending, CallTrigger.RemoteHangupAck, CallState.Idle)]
    [InlineData(CallState.Ending, CallTrigger.EndingTimeout, CallState.Idle)]
    [InlineData(CallState.RingingOut, CallTrigger.RemoteBusy, CallState.Idle)]
    [InlineData(CallState.Connecting, CallTrigger.SessionFailed, CallState.Idle)]
    public void Moves_along_the_table(CallState from, CallTrigger trigger, CallState expected)
    {
        Assert.True(CallStateMachine.TryNext(from, trigger, out var to));
        Assert.Equal(expected, to);
    }

    [Theory]
    [InlineData(CallState.Idle, CallTrigger.LocalAnswer)]
    [InlineData(CallState.Idle, CallTrigger.LocalHangup)]
    [InlineData(CallState.InCall, CallTrigger.Dial)]
    [InlineData(CallState.InCall, CallTrigger.LocalAnswer)]
    [InlineData(CallState.InCall, CallTrigger.RemoteInvite)]
    [InlineData(CallState.RingingOut, CallTrigger.LocalAnswer)]
    [InlineData(CallState.Idle, CallTrigger.RemoteAnswer)]
    public void Ignores_what_makes_no_sense_in_a_state(CallState from, CallTrigger trigger)
    {
        Assert.False(CallStateMachine.TryNext(from, trigger, out _));
    }

    [Fact]
    public void Every_state_but_idle_can_reach_idle_and_every_state_is_reachable()
    {
        var edges = CallStateMachine.Transitions.ToList();
        foreach (var state in Enum.GetValues<CallState>())
        {
            Assert.True(Reachable(edges, CallState.Idle, state), $"{state} is not reachable from idle");
            Assert.True(Reachable(edges, state, CallState.Idle) || state == CallState.Idle, $"{state} cannot get back to idle");
        }
    }

    [Fact]
    public void Every_call_state_survives_the_peer_vanishing()
    {
        // A silent peer (SessionFailed) must end every state that holds a session; otherwise the
        // appliance would stay "in call" with nobody there.
        foreach (var state in Enum.GetValues<CallState>().Where(s => s != CallState.Idle))
        {
            Assert.True(CallStateMachine.TryNext(state, CallTrigger.SessionFailed, out var to), $"{state} ignores a failed session");
            Assert.Equal(CallState.Idle, to);
        }
    }

    [Fact]
    public void Wire_names_are_distinct_snake_case()
    {
        var names = Enum.GetValues<CallState>().Select(s => s.WireName()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z_]+$", n));
        var triggers = Enum.GetValues<CallTrigger>().Select(t => t.WireName()).ToList();
        Assert.Equal(triggers.Count, triggers.Distinct().Count());
    }

    private static bool Reachable(List<(CallState From, CallTrigger On, CallState To)> edges, CallState from, CallState to)
    {
        var seen = new HashSet<CallState> { from };
        var queue = new Queue<CallState>([from]);
        while (queue.Count > 0)
        {
            var s = queue.Dequeue();
            if (s == to)
            {
                return true;
            }

            foreach (var e in edges.Where(e => e.From == s && seen.Add(e.To)))
            {
                queue.Enqueue(e.To);
            }
        }

        return false;
    }
}
