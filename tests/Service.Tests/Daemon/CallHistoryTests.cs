using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;
using PicoTalk.Service.Daemon;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Daemon;

/// <summary>The ring of ended calls behind the <c>history</c> command, on a fake clock.</summary>
public sealed class CallHistoryTests
{
    private static readonly NodeId Gate = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");
    private static readonly NodeId Stranger = NodeId.Parse("fedcba9876543210fedcba9876543210fedcba98");

    private readonly FakeTimeProvider _time = new();
    private readonly CallHistory _history;

    public CallHistoryTests() =>
        _history = new CallHistory(_time, id => id == Gate ? new Contact("Gate", Gate, false, false) : null);

    private void Call(NodeId peer, CallDirection direction, TimeSpan? inCall, CallEndReason reason, string? callerName = null)
    {
        var call = new Call(direction, peer, _time.GetUtcNow()) { PeerName = callerName };
        _history.StateChanged(CallState.Idle, CallTrigger.Dial, CallState.Connecting);
        _time.Advance(TimeSpan.FromSeconds(4)); // ringing: not counted
        if (inCall is { } duration)
        {
            _history.StateChanged(CallState.RingingOut, CallTrigger.RemoteAnswer, CallState.InCall);
            _time.Advance(duration);
        }

        _history.CallEnded(call, reason, "ended");
    }

    [Fact]
    public void Duration_counts_the_time_in_call_and_names_come_from_the_contacts_first()
    {
        Call(Gate, CallDirection.Incoming, TimeSpan.FromSeconds(7.9), CallEndReason.Hangup, callerName: "Sent name");
        Call(Stranger, CallDirection.Incoming, null, CallEndReason.Rejected, callerName: "Visitor");
        Call(Stranger, CallDirection.Outgoing, null, CallEndReason.Timeout);
        Call(NodeId.Zero, CallDirection.Outgoing, null, CallEndReason.Unreachable);

        var calls = _history.Result().Calls;
        Assert.Equal(
            [
                (null, null, CallDirections.Outgoing, 0, CallEndReasons.Unreachable),
                (Stranger.ToString(), null, CallDirections.Outgoing, 0, CallEndReasons.Timeout),
                (Stranger.ToString(), "Visitor", CallDirections.Incoming, 0, CallEndReasons.Rejected),
                (Gate.ToString(), "Gate", CallDirections.Incoming, 7, CallEndReasons.Hangup),
            ],
            calls.Select(c => (c.PeerId, c.Name, c.Direction, c.DurationSeconds, c.EndReason)));
    }

    [Fact]
    public void Only_the_latest_50_calls_are_kept_newest_first()
    {
        for (int i = 0; i < 60; i++)
        {
            Call(Gate, CallDirection.Outgoing, TimeSpan.FromSeconds(i), CallEndReason.Hangup);
        }

        var calls = _history.Result().Calls;
        Assert.Equal(CallHistory.Capacity, calls.Count);
        Assert.Equal(Enumerable.Range(10, 50).Reverse(), calls.Select(c => c.DurationSeconds));
    }
}
