using System.Globalization;
using PicoTalk.Protocol.Session;

namespace PicoTalk.Service.Calls;

/// <summary>
/// Opening the peer's door from inside a call. The request travels in-band in the encrypted control
/// stream (DESIGN.md: signalling after the key exchange), so only the authenticated peer of the call
/// can make it, and the answering side decides by that peer's ID (<see cref="ICallPolicy.OpenDoor"/>).
/// Like every signal it is repeated until answered; it carries a number so that a repeat (or a replay
/// inside the session, which the replay window already stops) never pulses the relay twice.
/// </summary>
public sealed partial class CallController
{
    /// <summary>How long our door request is repeated before it is reported unanswered.</summary>
    public static readonly TimeSpan DoorRequestTimeout = TimeSpan.FromSeconds(5);

    private uint _doorRequests;

    /// <summary>Asks the peer of the call in progress to open its door.</summary>
    public CallCommandResult RequestDoor()
    {
        _loop.AssertOnLoop();
        if (State != CallState.InCall || Current is not { } call)
        {
            return CallCommandResult.Refused($"the door opens from a call in progress (state {State.WireName()})");
        }

        if (call.DoorRequest.Number != 0)
        {
            return CallCommandResult.Refused("a door request is already on its way");
        }

        call.DoorRequest = (++_doorRequests, _time.GetTimestamp());
        _log($"call: asking {call.PeerId} to open the door (request {call.DoorRequest.Number})");
        Send(call, SignalKind.OpenDoor, call.DoorRequest.Number.ToString(CultureInfo.InvariantCulture));
        return CallCommandResult.Ok;
    }

    private void OnDoorRequest(Call call, string? text)
    {
        if (State != CallState.InCall || !uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint number) || number == 0)
        {
            _log($"call: ignored a door request ('{text}') while {State.WireName()}");
            return;
        }

        if (call.DoorAnswered.Number != number)
        {
            var (opened, reason) = Policy.OpenDoor(call.PeerId);
            string answer = opened ? $"{number} ok" : $"{number} refused: {reason}";
            // The text is at most 64 UTF-8 bytes (SignalMessage): a long reason is cut, not refused.
            while (System.Text.Encoding.UTF8.GetByteCount(answer) > SignalMessage.MaxTextBytes)
            {
                answer = answer[..^1];
            }

            call.DoorAnswered = (number, answer);
            _log($"call: door request {number} from {call.PeerId}: {(opened ? "opened" : "refused, " + reason)}");
        }

        Send(call, SignalKind.DoorResult, call.DoorAnswered.Answer);
    }

    private void OnDoorResult(Call call, string? text)
    {
        var (number, _) = call.DoorRequest;
        string[] parts = (text ?? "").Split(' ', 2);
        if (number == 0 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint answered) || answered != number)
        {
            return; // a repeat of an answer already taken, or noise
        }

        call.DoorRequest = default;
        string rest = parts.Length > 1 ? parts[1] : "";
        bool opened = rest == "ok";
        _log($"call: door request {number}: {rest}");
        Policy.DoorAnswered(opened, opened ? "the door was opened" : rest);
    }

    /// <summary>From <see cref="Tick"/> in a call: repeats our door request, or gives up on it.</summary>
    private void RepeatDoorRequest(Call call)
    {
        var (number, since) = call.DoorRequest;
        if (number == 0)
        {
            return;
        }

        if (Due(since, DoorRequestTimeout))
        {
            call.DoorRequest = default;
            Policy.DoorAnswered(false, "the peer did not answer the door request");
        }
        else if (Due(call.LastSignalTimestamp, _options.SignalRepeat))
        {
            Send(call, SignalKind.OpenDoor, number.ToString(CultureInfo.InvariantCulture));
        }
    }
}
