using PicoTalk.Protocol.Identity;

namespace PicoTalk.Service.Calls;

/// <summary>What becomes of an invite that arrives while the appliance is idle.</summary>
public enum IncomingVerdict
{
    /// <summary>It rings and may be answered.</summary>
    Ring,

    /// <summary>It rings (a doorbell: heard, logged, shown) but cannot be answered; it ends unanswered.</summary>
    RingOnly,

    /// <summary>Answered busy at once, nothing rings (do not disturb).</summary>
    Busy,

    /// <summary>Rejected at once, nothing rings (calls from unknown IDs refused).</summary>
    Refuse,
}

/// <summary>
/// The appliance's rules for calls, asked by <see cref="CallController"/> on the loop: who may ring,
/// who may open the door, and what became of our own door request. The call controller applies the
/// answers; it knows nothing of contacts, relays or buttons.
/// </summary>
public interface ICallPolicy
{
    /// <summary>An authenticated invite from <paramref name="caller"/> while idle.</summary>
    IncomingVerdict Screen(NodeId caller);

    /// <summary>The peer of the call asks us to open the door: pulse it and say so, or refuse with a reason.</summary>
    (bool Opened, string Reason) OpenDoor(NodeId peer);

    /// <summary>Our door request was answered (or went unanswered).</summary>
    void DoorAnswered(bool opened, string text);
}

/// <summary>Every caller rings; no door to open. The default when nothing else is configured.</summary>
public sealed class OpenCallPolicy : ICallPolicy
{
    public static readonly OpenCallPolicy Instance = new();

    public IncomingVerdict Screen(NodeId caller) => IncomingVerdict.Ring;

    public (bool Opened, string Reason) OpenDoor(NodeId peer) => (false, "this appliance has no door relay");

    public void DoorAnswered(bool opened, string text)
    {
    }
}
