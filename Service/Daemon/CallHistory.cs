using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The latest <see cref="Capacity"/> calls, for the <c>history</c> command (the web page's recent
/// calls): a ring filled when the call controller reports a call ended. Kept in memory only; a restart
/// forgets it. On the loop, like every <see cref="ICallEvents"/> listener.
/// </summary>
internal sealed class CallHistory(TimeProvider time, Func<NodeId, Contact?> contacts) : ICallEvents
{
    /// <summary>ui-spec: at most 50 calls.</summary>
    public const int Capacity = 50;

    private readonly HistoryEntry[] _ring = new HistoryEntry[Capacity];
    private int _next;
    private int _count;
    private long? _answeredAt; // timestamp the current call went in_call; one call at a time

    public void StateChanged(CallState was, CallTrigger on, CallState now)
    {
        if (now == CallState.InCall)
        {
            _answeredAt = time.GetTimestamp();
        }
    }

    public void Ringing(Call call)
    {
    }

    public void CallEnded(Call call, CallEndReason reason, string message)
    {
        int seconds = _answeredAt is { } answered ? (int)time.GetElapsedTime(answered).TotalSeconds : 0;
        _answeredAt = null;
        string? name = call.PeerId.IsZero ? null : contacts(call.PeerId)?.Name;
        _ring[_next] = new HistoryEntry(call.PeerId.IsZero ? null : call.PeerId.ToString(), name ?? call.PeerName,
            call.Direction == CallDirection.Outgoing ? CallDirections.Outgoing : CallDirections.Incoming,
            call.Since, seconds, ControlEvents.WireName(reason), message);
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <summary>The calls, newest first.</summary>
    public HistoryResult Result()
    {
        var calls = new HistoryEntry[_count];
        for (int i = 0; i < _count; i++)
        {
            calls[i] = _ring[(_next - 1 - i + Capacity) % Capacity];
        }

        return new HistoryResult(calls);
    }
}
