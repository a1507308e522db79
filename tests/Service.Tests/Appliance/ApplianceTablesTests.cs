using PicoTalk.Hal.Gpio;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Tests.Appliance;

/// <summary>The static tables of the appliance: buttons, device state, LEDs.</summary>
public sealed class ApplianceTablesTests
{
    [Theory]
    [InlineData(ApplianceButton.Answer, ButtonGesture.Click, CallState.RingingIn, ApplianceAction.Answer)]
    [InlineData(ApplianceButton.Answer, ButtonGesture.LongPress, CallState.RingingIn, ApplianceAction.Reject)]
    [InlineData(ApplianceButton.Answer, ButtonGesture.Click, CallState.InCall, ApplianceAction.Hangup)]
    [InlineData(ApplianceButton.Answer, ButtonGesture.Click, CallState.Idle, ApplianceAction.None)]
    [InlineData(ApplianceButton.Answer, ButtonGesture.Down, CallState.RingingIn, ApplianceAction.None)]
    [InlineData(ApplianceButton.Call, ButtonGesture.Click, CallState.Idle, ApplianceAction.DialSpeedDial)]
    [InlineData(ApplianceButton.Call, ButtonGesture.Click, CallState.RingingOut, ApplianceAction.Hangup)]
    [InlineData(ApplianceButton.Call, ButtonGesture.Click, CallState.Connecting, ApplianceAction.Hangup)]
    [InlineData(ApplianceButton.Call, ButtonGesture.Click, CallState.InCall, ApplianceAction.None)]
    [InlineData(ApplianceButton.Call, ButtonGesture.Click, CallState.RingingIn, ApplianceAction.None)]
    [InlineData(ApplianceButton.Ptt, ButtonGesture.Down, CallState.InCall, ApplianceAction.TalkStart)]
    [InlineData(ApplianceButton.Ptt, ButtonGesture.Up, CallState.InCall, ApplianceAction.TalkStop)]
    [InlineData(ApplianceButton.Ptt, ButtonGesture.Click, CallState.InCall, ApplianceAction.None)]
    [InlineData(ApplianceButton.Ptt, ButtonGesture.Down, CallState.Idle, ApplianceAction.TalkStart)]
    [InlineData(ApplianceButton.Ptt, ButtonGesture.Down, CallState.RingingIn, ApplianceAction.None)]
    public void ButtonMapRows(ApplianceButton button, ButtonGesture gesture, CallState state, ApplianceAction expected) =>
        Assert.Equal(expected, ButtonMap.Lookup(button, gesture, state));

    [Fact]
    public void NoClickOrLongPressOfAnswerOrCallDoesAnythingWhileEnding()
    {
        foreach (var button in new[] { ApplianceButton.Answer, ApplianceButton.Call })
        {
            foreach (var gesture in Enum.GetValues<ButtonGesture>())
            {
                Assert.Equal(ApplianceAction.None, ButtonMap.Lookup(button, gesture, CallState.Ending));
            }
        }
    }

    [Theory]
    [InlineData("ANSWER", ApplianceButton.Answer)]
    [InlineData("answer", ApplianceButton.Answer)]
    [InlineData("Call", ApplianceButton.Call)]
    [InlineData("ptt", ApplianceButton.Ptt)]
    public void ButtonNamesParseWithoutCase(string name, ApplianceButton expected)
    {
        Assert.True(ButtonMap.TryParse(name, out var button));
        Assert.Equal(expected, button);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("DOOR")]
    [InlineData("0")]
    public void UnknownButtonNamesAreRefused(string? name) => Assert.False(ButtonMap.TryParse(name, out _));

    [Theory]
    [InlineData(DeviceState.Starting, DeviceTrigger.Started, true, DeviceState.Ready)]
    [InlineData(DeviceState.Starting, DeviceTrigger.Started, false, DeviceState.Degraded)]
    [InlineData(DeviceState.Ready, DeviceTrigger.NetworkDown, false, DeviceState.Degraded)]
    [InlineData(DeviceState.Degraded, DeviceTrigger.NetworkUp, true, DeviceState.Ready)]
    [InlineData(DeviceState.Ready, DeviceTrigger.Fault, true, DeviceState.Error)]
    [InlineData(DeviceState.Starting, DeviceTrigger.Fault, true, DeviceState.Error)]
    [InlineData(DeviceState.Error, DeviceTrigger.FaultCleared, true, DeviceState.Ready)]
    [InlineData(DeviceState.Error, DeviceTrigger.FaultCleared, false, DeviceState.Degraded)]
    public void DeviceTransitions(DeviceState from, DeviceTrigger on, bool networkUp, DeviceState expected)
    {
        Assert.True(DeviceStateMachine.TryNext(from, on, networkUp, out var to));
        Assert.Equal(expected, to);
    }

    [Theory]
    [InlineData(DeviceState.Error, DeviceTrigger.NetworkUp, true)]
    [InlineData(DeviceState.Error, DeviceTrigger.NetworkDown, false)]
    [InlineData(DeviceState.Ready, DeviceTrigger.NetworkUp, true)]
    [InlineData(DeviceState.Ready, DeviceTrigger.Started, true)]
    [InlineData(DeviceState.Degraded, DeviceTrigger.NetworkDown, false)]
    public void DeviceTriggersIgnoredWhereTheyChangeNothing(DeviceState from, DeviceTrigger on, bool networkUp) =>
        Assert.False(DeviceStateMachine.TryNext(from, on, networkUp, out _));

    [Fact]
    public void EveryDeviceStateHasAnExitAndEveryRowANameOnTheWire()
    {
        var rows = DeviceStateMachine.Transitions.ToList();
        foreach (var state in Enum.GetValues<DeviceState>())
        {
            Assert.Contains(rows, r => r.From == state);
            Assert.NotEmpty(state.WireName());
        }

        Assert.All(rows, r => Assert.NotEmpty(r.On.WireName()));
    }

    [Theory]
    [InlineData(DeviceState.Starting, LedPattern.SlowBlink)]
    [InlineData(DeviceState.Degraded, LedPattern.SlowBlink)]
    [InlineData(DeviceState.Ready, LedPattern.On)]
    [InlineData(DeviceState.Error, LedPattern.FastBlink)]
    public void StatusLed(DeviceState device, LedPattern expected) => Assert.Equal(expected, LedIndicator.Status(device));

    [Theory]
    [InlineData(CallState.Idle, false, LedPattern.Off)]
    [InlineData(CallState.Idle, true, LedPattern.Flash)]
    [InlineData(CallState.Idle, false, LedPattern.On, true)]
    [InlineData(CallState.Idle, true, LedPattern.Flash, true)]
    [InlineData(CallState.RingingIn, false, LedPattern.FastBlink)]
    [InlineData(CallState.RingingOut, false, LedPattern.SlowBlink)]
    [InlineData(CallState.Connecting, false, LedPattern.SlowBlink)]
    [InlineData(CallState.InCall, false, LedPattern.On)]
    [InlineData(CallState.InCall, true, LedPattern.Flash)]
    [InlineData(CallState.Ending, false, LedPattern.Off)]
    public void CallLed(CallState call, bool talking, LedPattern expected, bool inRoom = false) => Assert.Equal(expected, LedIndicator.Call(call, talking, inRoom));

    [Fact]
    public void TheRingtoneChimesThenRests()
    {
        // 400 ms of the high note, 400 ms of the low one, then quiet until 2 s (samples at 48 kHz).
        Assert.Equal(1318.5, TonePlayer.Frequency(Tone.Ring, 0));
        Assert.Equal(1046.5, TonePlayer.Frequency(Tone.Ring, 48_000 * 500 / 1000));
        Assert.Equal(0, TonePlayer.Frequency(Tone.Ring, 48_000));
        Assert.Equal(1318.5, TonePlayer.Frequency(Tone.Ring, 96_000));
        Assert.Equal(1000, TonePlayer.Frequency(Tone.AutoAnswerWarning, 0));
        Assert.Equal(0, TonePlayer.Frequency(Tone.AutoAnswerWarning, 48_000 * 200 / 1000));
        Assert.Equal(0, TonePlayer.Frequency(Tone.None, 0));
    }
}
