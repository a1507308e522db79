namespace PicoTalk.Service.Calls;

/// <summary>Tells several listeners what the call controller reports (the control socket's events and
/// the appliance's LEDs and tones), in the order they were added.</summary>
public sealed class CallEventsFanOut : ICallEvents
{
    private readonly List<ICallEvents> _listeners = new();

    public void Add(ICallEvents listener) => _listeners.Add(listener);

    public void StateChanged(CallState was, CallTrigger on, CallState now)
    {
        foreach (var listener in _listeners)
        {
            listener.StateChanged(was, on, now);
        }
    }

    public void Ringing(Call call)
    {
        foreach (var listener in _listeners)
        {
            listener.Ringing(call);
        }
    }

    public void CallEnded(Call call, CallEndReason reason, string message)
    {
        foreach (var listener in _listeners)
        {
            listener.CallEnded(call, reason, message);
        }
    }
}
