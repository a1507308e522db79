using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Appliance;

/// <summary>
/// The call policies intercom users expect (issue 5): do-not-disturb answers busy; calls from IDs that
/// are not contacts are allowed, refused or may only ring (<c>calls.unknown_callers</c>); auto-answer
/// is off by default and, when on, applies only to contacts marked for it, after a delay with a warning
/// tone; the door relay pulses only for a contact allowed to open it. Also the ringtone and the LEDs,
/// which follow the call.
/// </summary>
public sealed partial class ApplianceController
{
    public IncomingVerdict Screen(NodeId caller)
    {
        // One conversation at a time: in a room (the speaker and microphone are the room's) a caller
        // hears busy, as with do-not-disturb.
        if (_settings.DoNotDisturb || InRoom?.Invoke() == true)
        {
            return IncomingVerdict.Busy;
        }

        if (_contacts(caller) is not null)
        {
            return IncomingVerdict.Ring;
        }

        return _settings.UnknownCallers switch
        {
            UnknownCallers.Allow => IncomingVerdict.Ring,
            UnknownCallers.RingOnly => IncomingVerdict.RingOnly,
            UnknownCallers.Refuse => IncomingVerdict.Refuse,
            _ => throw new InvalidOperationException($"unknown callers: {_settings.UnknownCallers}"),
        };
    }

    public (bool Opened, string Reason) OpenDoor(NodeId peer)
    {
        var contact = _contacts(peer);
        if (contact is not { MayOpenDoor: true })
        {
            string reason = contact is null ? "not a contact" : $"contact {contact.Name} may not open the door";
            PublishDoor("refused_here", false, reason, peer);
            return (false, reason);
        }

        PulseDoor();
        PublishDoor("opened_here", true, $"opened for {contact.Name}", peer);
        return (true, "");
    }

    public void DoorAnswered(bool opened, string text) => PublishDoor("answered", opened, text, _calls.Current?.PeerId);

    /// <summary>Energises the door relay for <see cref="ApplianceSettings.DoorPulse"/>; a second request
    /// while it is open keeps it open that much longer from now.</summary>
    private void PulseDoor()
    {
        _door.Set(true);
        _doorTimer?.Dispose();
        _doorTimer = _loop.CreateTimer(() =>
        {
            _door.Set(false);
            _doorTimer?.Dispose();
            _doorTimer = null;
        }, _settings.DoorPulse, Timeout.InfiniteTimeSpan);
    }

    private void PublishDoor(string direction, bool opened, string message, NodeId? peer)
    {
        _log($"door: {direction.Replace('_', ' ')}: {message}");
        _publish(ControlEvent.Create(ApplianceEventNames.Door,
            new DoorEventData(direction, opened, message, peer?.ToString()), ControlJsonContext.Default.DoorEventData));
    }

    public void StateChanged(CallState was, CallTrigger on, CallState now)
    {
        if (was == CallState.RingingIn && now != CallState.RingingIn)
        {
            CancelAutoAnswer();
            _tones.Stop();
        }

        if (now == CallState.InCall)
        {
            ApplyMicrophone();
        }

        UpdateLeds();
        StatusChanged?.Invoke();
    }

    /// <summary>A call rings in: a contact marked for auto-answer is answered after the delay, with the
    /// warning tone meanwhile; any other call plays the ringtone.</summary>
    public void Ringing(Call call)
    {
        var contact = _contacts(call.PeerId);
        if (_settings.AutoAnswer && contact is { AutoAnswer: true } && call.AnswerAllowed)
        {
            _log($"call: answering {contact.Name} automatically in {_settings.AutoAnswerDelay.TotalSeconds:0.#} s");
            _tones.Play(Tone.AutoAnswerWarning);
            _autoAnswerTimer = _loop.CreateTimer(() =>
            {
                CancelAutoAnswer();
                if (_calls.Current == call && _calls.State == CallState.RingingIn)
                {
                    var result = _calls.Answer();
                    _log(result.Success ? $"call: answered {contact.Name} automatically" : $"call: auto-answer refused: {result.Message}");
                }
            }, _settings.AutoAnswerDelay, Timeout.InfiniteTimeSpan);
            return;
        }

        if (_settings.Ringtone)
        {
            _tones.Play(Tone.Ring);
        }
    }

    public void CallEnded(Call call, CallEndReason reason, string message)
    {
        CancelAutoAnswer();
        UpdateLeds();
    }

    private void CancelAutoAnswer()
    {
        _autoAnswerTimer?.Dispose();
        _autoAnswerTimer = null;
    }
}
