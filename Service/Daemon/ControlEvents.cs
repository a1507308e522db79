using PicoTalk.Protocol.Control;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Daemon;

/// <summary>Turns what the call controller reports into control-socket events
/// (<c>state</c>, <c>ring</c>, <c>call_ended</c>) for every subscribed client.</summary>
internal sealed class ControlEvents : ICallEvents
{
    public ControlServer? Server { get; set; }

    public void StateChanged(CallState was, CallTrigger on, CallState now) =>
        Server?.Publish(ControlEvent.StateChanged(was.WireName(), on.WireName(), now.WireName()));

    public void Ringing(Call call) =>
        Server?.Publish(ControlEvent.Ring(new RingEventData(call.PeerId.ToString(), call.Remote?.ToString() ?? "", call.PeerName)));

    public void CallEnded(Call call, CallEndReason reason, string message) =>
        Server?.Publish(ControlEvent.CallEnded(WireName(reason), message));

    public static string WireName(CallEndReason reason) => reason switch
    {
        CallEndReason.Hangup => "hangup",
        CallEndReason.Rejected => "rejected",
        CallEndReason.Busy => "busy",
        CallEndReason.Timeout => "timeout",
        CallEndReason.IdentityMismatch => "identity_mismatch",
        CallEndReason.Error => "error",
        CallEndReason.Unreachable => PicoTalk.Protocol.Control.CallEndReasons.Unreachable,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
