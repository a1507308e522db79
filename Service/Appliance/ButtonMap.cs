using PicoTalk.Hal.Gpio;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Appliance;

/// <summary>The appliance's three buttons (DESIGN.md "Hardware abstraction": BCM 17, 27, 22 by default).</summary>
public enum ApplianceButton
{
    Answer,
    Call,
    Ptt,
}

/// <summary>What a button gesture does.</summary>
public enum ApplianceAction
{
    None,
    Answer,
    Reject,
    Hangup,
    DialSpeedDial,
    TalkStart,
    TalkStop,
}

/// <summary>
/// What each button gesture does in each call state, as one static table (STYLE.md 5): issue 5's
/// "ANSWER answers a ringing call, hangs up a call in progress, and a long press rejects; CALL dials the
/// configured speed-dial contact (a second press cancels); PTT held transmits". Any pair not listed is
/// ignored (<see cref="ApplianceAction.None"/>), and the controller logs it.
/// </summary>
/// <remarks>
/// A click is a press released before the long-press time; a long press fires while still held and is
/// not followed by a click (Hal's <see cref="Button"/>). PTT acts on Down and Up, not on clicks, so a
/// tap opens the microphone only for as long as the button is held.
/// </remarks>
public static class ButtonMap
{
    private static readonly Dictionary<(ApplianceButton, ButtonGesture, CallState), ApplianceAction> Table = new()
    {
        [(ApplianceButton.Answer, ButtonGesture.Click, CallState.RingingIn)] = ApplianceAction.Answer,
        [(ApplianceButton.Answer, ButtonGesture.LongPress, CallState.RingingIn)] = ApplianceAction.Reject,
        [(ApplianceButton.Answer, ButtonGesture.Click, CallState.InCall)] = ApplianceAction.Hangup,
        [(ApplianceButton.Answer, ButtonGesture.LongPress, CallState.InCall)] = ApplianceAction.Hangup,
        [(ApplianceButton.Answer, ButtonGesture.Click, CallState.Connecting)] = ApplianceAction.Hangup,
        [(ApplianceButton.Answer, ButtonGesture.Click, CallState.RingingOut)] = ApplianceAction.Hangup,

        [(ApplianceButton.Call, ButtonGesture.Click, CallState.Idle)] = ApplianceAction.DialSpeedDial,
        [(ApplianceButton.Call, ButtonGesture.Click, CallState.Connecting)] = ApplianceAction.Hangup,
        [(ApplianceButton.Call, ButtonGesture.Click, CallState.RingingOut)] = ApplianceAction.Hangup,

        [(ApplianceButton.Ptt, ButtonGesture.Down, CallState.InCall)] = ApplianceAction.TalkStart,
        [(ApplianceButton.Ptt, ButtonGesture.Up, CallState.InCall)] = ApplianceAction.TalkStop,
        // Without a call, PTT talks in the room the appliance is in (the controller ignores it
        // outside a room); released after a call ended, the talking flag must drop.
        [(ApplianceButton.Ptt, ButtonGesture.Down, CallState.Idle)] = ApplianceAction.TalkStart,
        [(ApplianceButton.Ptt, ButtonGesture.Up, CallState.Idle)] = ApplianceAction.TalkStop,
        [(ApplianceButton.Ptt, ButtonGesture.Up, CallState.Ending)] = ApplianceAction.TalkStop,
    };

    public static ApplianceAction Lookup(ApplianceButton button, ButtonGesture gesture, CallState state) =>
        Table.TryGetValue((button, gesture, state), out var action) ? action : ApplianceAction.None;

    /// <summary>Every row, for documentation and tests.</summary>
    public static IEnumerable<(ApplianceButton Button, ButtonGesture Gesture, CallState State, ApplianceAction Action)> Rows =>
        Table.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value));

    public static string WireName(this ApplianceButton button) => button switch
    {
        ApplianceButton.Answer => "ANSWER",
        ApplianceButton.Call => "CALL",
        ApplianceButton.Ptt => "PTT",
        _ => throw new ArgumentOutOfRangeException(nameof(button), button, null),
    };

    /// <summary>"ANSWER", "answer", "Call", "ptt" (the control socket's and the command line's names).</summary>
    public static bool TryParse(string? name, out ApplianceButton button)
    {
        foreach (var b in Enum.GetValues<ApplianceButton>())
        {
            if (string.Equals(name, b.WireName(), StringComparison.OrdinalIgnoreCase))
            {
                button = b;
                return true;
            }
        }

        button = default;
        return false;
    }
}
