using PicoTalk.Hal.Gpio;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Tests.Calls;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Appliance;

/// <summary>
/// Every button gesture, the LEDs and the call policies of issue 5, on the fake clock: button presses
/// are edges on the simulated chip's lines, read back through the chip like real ones.
/// </summary>
public sealed class ApplianceControllerTests
{
    private static readonly ApplianceSettings Defaults = new();

    [Fact]
    public void AnswerClickAnswersARingingCallAndTheCallLedFollows()
    {
        using var rig = new ApplianceRig();
        Assert.Equal(LedPattern.Off, rig.Appliance.CallLed.Pattern);
        rig.RingB();
        Assert.Equal(LedPattern.FastBlink, rig.Appliance.CallLed.Pattern);

        rig.Press(ApplianceButton.Answer);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.InCall && rig.B.Calls.State == CallState.InCall, TimeSpan.FromSeconds(5), "answered");
        Assert.Equal(LedPattern.On, rig.Appliance.CallLed.Pattern);
        Assert.Contains(rig.EventsOf(ApplianceEventNames.Button, ControlJsonContext.Default.ButtonEventData),
            e => e is { Button: "ANSWER", Gesture: "click", Action: "answer" });
    }

    [Fact]
    public void AnswerClickInACallHangsUp()
    {
        using var rig = new ApplianceRig();
        rig.CallB();
        rig.Press(ApplianceButton.Answer);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle && rig.B.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "hung up");
        Assert.Equal(CallEndReason.Hangup, rig.A.Ended.Single().Reason);
        Assert.Equal(LedPattern.Off, rig.Appliance.CallLed.Pattern);
    }

    [Fact]
    public void AnswerLongPressRejectsWhileStillHeldAndNoClickFollows()
    {
        using var rig = new ApplianceRig();
        rig.RingB();
        rig.Appliance.Press(ApplianceButton.Answer, holdFor: null);
        rig.World.Run(Defaults.Buttons.LongPress + TimeSpan.FromMilliseconds(200));
        // Rejected while the button is still down.
        Assert.NotEqual(CallState.RingingIn, rig.B.Calls.State);
        rig.Appliance.Release(ApplianceButton.Answer);
        rig.World.Run(TimeSpan.FromMilliseconds(200));
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "rejected");
        Assert.Equal(CallEndReason.Rejected, rig.A.Ended.Single().Reason);
        var gestures = rig.EventsOf(ApplianceEventNames.Button, ControlJsonContext.Default.ButtonEventData).Select(e => e.Gesture).ToList();
        Assert.Equal(["down", "long_press", "up"], gestures);
    }

    [Fact]
    public void CallClickDialsTheSpeedDialAndASecondPressCancels()
    {
        using var rig = new ApplianceRig(Defaults with { SpeedDial = "alice" });
        rig.Press(ApplianceButton.Call);
        Assert.Equal(1, rig.SpeedDials);

        // The speed dial itself is the daemon's (it resolves names); here B dials A by hand.
        Assert.True(CallWorld.On(rig.B, c => c.Dial(rig.A.Address, rig.A.Id)).Success);
        rig.World.RunUntil(() => rig.B.Calls.State == CallState.RingingOut, TimeSpan.FromSeconds(5), "ringing out");
        Assert.Equal(LedPattern.SlowBlink, rig.Appliance.CallLed.Pattern);
        rig.Press(ApplianceButton.Call);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle && rig.B.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "cancelled");
        Assert.Equal(1, rig.SpeedDials);
    }

    [Fact]
    public void CallClickWithoutASpeedDialDoesNothing()
    {
        using var rig = new ApplianceRig();
        rig.Press(ApplianceButton.Call);
        Assert.Equal(0, rig.SpeedDials);
        Assert.Contains(rig.Log, l => l.Contains("no speed dial", StringComparison.Ordinal));
    }

    [Fact]
    public void HalfDuplexSendsTheMicrophoneOnlyWhilePttIsHeld()
    {
        using var rig = new ApplianceRig(Defaults with { HalfDuplex = true });
        rig.CallB();
        var media = rig.B.Media.Single();
        Assert.False(media.MicrophoneOpen);

        rig.Appliance.Press(ApplianceButton.Ptt, holdFor: null);
        rig.World.Run(TimeSpan.FromMilliseconds(100));
        Assert.True(media.MicrophoneOpen);
        Assert.True(rig.Appliance.Talking);
        Assert.Equal(LedPattern.Flash, rig.Appliance.CallLed.Pattern);

        rig.Appliance.Release(ApplianceButton.Ptt);
        rig.World.Run(TimeSpan.FromMilliseconds(100));
        Assert.False(media.MicrophoneOpen);
        Assert.Equal(LedPattern.On, rig.Appliance.CallLed.Pattern);
    }

    [Fact]
    public void PttWithoutACallTalksInTheRoomAndFlashesTheCallLed()
    {
        using var rig = new ApplianceRig();
        var talking = new List<bool>();
        bool inRoom = false;
        rig.Appliance.InRoom = () => inRoom;
        rig.Appliance.TalkingChanged = talking.Add;

        // Not in a room: nothing to talk to.
        rig.Press(ApplianceButton.Ptt);
        Assert.Empty(talking);
        Assert.Contains(rig.Log, l => l.Contains("no call and no room", StringComparison.Ordinal));

        inRoom = true;
        rig.Appliance.Press(ApplianceButton.Ptt, holdFor: null);
        rig.World.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal([true], talking);
        Assert.Equal(LedPattern.Flash, rig.Appliance.CallLed.Pattern);
        rig.Appliance.Release(ApplianceButton.Ptt);
        rig.World.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal([true, false], talking);
        // Still in the room: the call LED stays on, as in a call; off once the room is left.
        Assert.Equal(LedPattern.On, rig.Appliance.CallLed.Pattern);
        inRoom = false;
        rig.Appliance.RoomChanged();
        Assert.Equal(LedPattern.Off, rig.Appliance.CallLed.Pattern);
    }

    [Fact]
    public void InARoomACallerHearsBusy()
    {
        using var rig = new ApplianceRig();
        rig.Appliance.InRoom = () => true;
        Assert.True(CallWorld.On(rig.A, c => c.Dial(rig.B.Address, rig.B.Id)).Success);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "busy");
        Assert.Equal(CallEndReason.Busy, rig.A.Ended.Single().Reason);
        Assert.Empty(rig.B.Rings);
    }

    [Fact]
    public void FullDuplexKeepsTheMicrophoneOpen()
    {
        using var rig = new ApplianceRig();
        rig.CallB();
        Assert.True(rig.B.Media.Single().MicrophoneOpen);
        rig.Press(ApplianceButton.Ptt);
        Assert.True(rig.B.Media.Single().MicrophoneOpen);
    }

    [Fact]
    public void MuteClosesTheMicrophoneEvenWithPttHeld()
    {
        using var rig = new ApplianceRig();
        rig.CallB();
        var media = rig.B.Media.Single();
        rig.Appliance.SetMuted(true);
        Assert.False(media.MicrophoneOpen);
        rig.Appliance.Press(ApplianceButton.Ptt, holdFor: null);
        rig.World.Run(TimeSpan.FromMilliseconds(100));
        Assert.False(media.MicrophoneOpen);
        rig.Appliance.SetMuted(false);
        Assert.True(media.MicrophoneOpen);
    }

    [Fact]
    public void NewPoliciesApplyAtOnceButThePinsStay()
    {
        using var rig = new ApplianceRig();
        rig.Appliance.ApplySettings(Defaults with { DoNotDisturb = true, AnswerLine = 5 });
        Assert.Equal(Defaults.AnswerLine, rig.Appliance.Settings.AnswerLine);
        Assert.True(CallWorld.On(rig.A, c => c.Dial(rig.B.Address, rig.B.Id)).Success);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "busy");
        Assert.Equal(CallEndReason.Busy, rig.A.Ended.Single().Reason);
    }

    [Fact]
    public void DoNotDisturbAnswersBusyAndNothingRings()
    {
        using var rig = new ApplianceRig(Defaults with { DoNotDisturb = true });
        Assert.True(CallWorld.On(rig.A, c => c.Dial(rig.B.Address, rig.B.Id)).Success);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "busy");
        Assert.Equal(CallEndReason.Busy, rig.A.Ended.Single().Reason);
        Assert.Empty(rig.B.Rings);
        Assert.Empty(rig.Sinks);
    }

    [Fact]
    public void UnknownCallersRefusedAreRejectedWithoutRingingButContactsRing()
    {
        using var rig = new ApplianceRig(Defaults with { UnknownCallers = UnknownCallers.Refuse });
        Assert.True(CallWorld.On(rig.A, c => c.Dial(rig.B.Address, rig.B.Id)).Success);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "refused");
        Assert.Equal(CallEndReason.Rejected, rig.A.Ended.Single().Reason);
        Assert.Empty(rig.B.Rings);

        rig.AddContactA();
        rig.RingB();
    }

    [Fact]
    public void UnknownCallersRingOnlyRingButCannotBeAnswered()
    {
        using var rig = new ApplianceRig(Defaults with { UnknownCallers = UnknownCallers.RingOnly });
        rig.RingB();
        var refused = CallWorld.On(rig.B, c => c.Answer());
        Assert.False(refused.Success);
        Assert.Contains("ring_only", refused.Message, StringComparison.Ordinal);
        rig.Press(ApplianceButton.Answer);
        Assert.Equal(CallState.RingingIn, rig.B.Calls.State);
    }

    [Fact]
    public void RingtonePlaysWhileRingingAndStopsOnAnswer()
    {
        using var rig = new ApplianceRig();
        rig.RingB();
        Assert.Equal(Tone.Ring, rig.Tones.Playing);
        Assert.True(WaitFor(() => rig.Sinks.Count == 1 && rig.Sinks[0].Periods.Count > 0));
        Assert.Contains(rig.Sinks[0].Periods[0], s => Math.Abs((int)s) > 1000); // the chime starts at once

        rig.Press(ApplianceButton.Answer);
        rig.World.RunUntil(() => rig.B.Calls.State == CallState.InCall, TimeSpan.FromSeconds(5), "answered");
        Assert.Equal(Tone.None, rig.Tones.Playing);
        Assert.True(rig.Sinks[0].Closed);
    }

    [Fact]
    public void RingtoneOffInTheSettingsPlaysNothing()
    {
        using var rig = new ApplianceRig(Defaults with { Ringtone = false });
        rig.RingB();
        Assert.Equal(Tone.None, rig.Tones.Playing);
    }

    [Fact]
    public void AutoAnswerIsOffByDefaultEvenForAMarkedContact()
    {
        using var rig = new ApplianceRig();
        rig.AddContactA(autoAnswer: true);
        rig.RingB();
        rig.World.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(CallState.RingingIn, rig.B.Calls.State);
    }

    [Fact]
    public void AutoAnswerAnswersAMarkedContactAfterTheDelayWithTheWarningTone()
    {
        using var rig = new ApplianceRig(Defaults with { AutoAnswer = true, AutoAnswerDelay = TimeSpan.FromSeconds(3) });
        rig.AddContactA(autoAnswer: true);
        rig.RingB();
        Assert.Equal(Tone.AutoAnswerWarning, rig.Tones.Playing);
        rig.World.Run(TimeSpan.FromSeconds(2.5));
        Assert.Equal(CallState.RingingIn, rig.B.Calls.State);
        rig.World.RunUntil(() => rig.B.Calls.State == CallState.InCall, TimeSpan.FromSeconds(1), "auto-answered");
        Assert.Equal(Tone.None, rig.Tones.Playing);
    }

    [Fact]
    public void AutoAnswerNeverAnswersAContactNotMarkedOrAStranger()
    {
        using var rig = new ApplianceRig(Defaults with { AutoAnswer = true, AutoAnswerDelay = TimeSpan.FromSeconds(1) });
        rig.RingB();
        rig.World.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(CallState.RingingIn, rig.B.Calls.State);
        Assert.Equal(Tone.Ring, rig.Tones.Playing);

        rig.AddContactA(autoAnswer: false);
        Assert.True(CallWorld.On(rig.B, c => c.Reject()).Success);
        rig.World.RunUntil(() => rig.A.Calls.State == CallState.Idle && rig.B.Calls.State == CallState.Idle, TimeSpan.FromSeconds(5), "rejected");
        rig.RingB();
        rig.World.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(CallState.RingingIn, rig.B.Calls.State);
    }

    [Fact]
    public void ADoorRequestFromAContactAllowedToOpenItPulsesTheRelayOnce()
    {
        using var rig = new ApplianceRig(Defaults with { DoorPulse = TimeSpan.FromSeconds(3) });
        rig.AddContactA(mayOpenDoor: true);
        var answers = new RecordingPolicy();
        rig.A.Calls.Policy = answers;
        rig.CallB();

        Assert.True(CallWorld.On(rig.A, c => c.RequestDoor()).Success);
        rig.World.RunUntil(() => answers.Answers.Count == 1, TimeSpan.FromSeconds(2), "door answered");
        Assert.True(answers.Answers[0].Opened);
        Assert.True(rig.Appliance.DoorOpen);
        rig.World.Run(TimeSpan.FromSeconds(3.2));
        Assert.False(rig.Appliance.DoorOpen);
        Assert.Equal(1, rig.Activations(Defaults.DoorLine));
        var door = rig.EventsOf(ApplianceEventNames.Door, ControlJsonContext.Default.DoorEventData).Single();
        Assert.Equal("opened_here", door.Direction);
    }

    [Fact]
    public void ARepeatedDoorRequestDoesNotPulseTwice()
    {
        using var rig = new ApplianceRig();
        rig.AddContactA(mayOpenDoor: true);
        var answers = new RecordingPolicy();
        rig.A.Calls.Policy = answers;
        rig.CallB();
        // B's answers are lost for a second: A repeats its request (the same number) every 250 ms,
        // and B answers each repeat from memory.
        rig.World.Network.SetLink(rig.B.Address, rig.A.Address, new LinkConditions { LossRate = 1.0 });
        Assert.True(CallWorld.On(rig.A, c => c.RequestDoor()).Success);
        rig.World.Run(TimeSpan.FromSeconds(1));
        Assert.Empty(answers.Answers);
        rig.World.Network.ClearLink(rig.B.Address, rig.A.Address);
        rig.World.RunUntil(() => answers.Answers.Count == 1, TimeSpan.FromSeconds(2), "door answered");
        Assert.True(answers.Answers[0].Opened);
        Assert.Equal(1, rig.Activations(Defaults.DoorLine));
        // The relay stays energised across repeats, so count the openings themselves: one.
        Assert.Single(rig.EventsOf(ApplianceEventNames.Door, ControlJsonContext.Default.DoorEventData), e => e.Direction == "opened_here");
    }

    [Fact]
    public void ADoorRequestFromAContactNotAllowedOrAStrangerIsRefused()
    {
        using var rig = new ApplianceRig();
        var answers = new RecordingPolicy();
        rig.A.Calls.Policy = answers;
        rig.CallB();
        Assert.True(CallWorld.On(rig.A, c => c.RequestDoor()).Success);
        rig.World.RunUntil(() => answers.Answers.Count == 1, TimeSpan.FromSeconds(2), "door answered");
        Assert.False(answers.Answers[0].Opened);
        Assert.Contains("not a contact", answers.Answers[0].Text, StringComparison.Ordinal);

        rig.AddContactA(mayOpenDoor: false);
        Assert.True(CallWorld.On(rig.A, c => c.RequestDoor()).Success);
        rig.World.RunUntil(() => answers.Answers.Count == 2, TimeSpan.FromSeconds(2), "door answered");
        Assert.False(answers.Answers[1].Opened);
        Assert.Contains("may not open", answers.Answers[1].Text, StringComparison.Ordinal);
        Assert.Equal(0, rig.Activations(Defaults.DoorLine));
    }

    [Fact]
    public void TheDoorOpensOnlyFromACall()
    {
        using var rig = new ApplianceRig();
        Assert.False(CallWorld.On(rig.A, c => c.RequestDoor()).Success);
    }

    [Fact]
    public void TheStatusLedShowsTheDeviceState()
    {
        using var rig = new ApplianceRig();
        Assert.Equal(LedPattern.SlowBlink, rig.Appliance.StatusLed.Pattern); // starting
        rig.Appliance.Started();
        Assert.Equal(DeviceState.Ready, rig.Appliance.Device);
        Assert.Equal(LedPattern.On, rig.Appliance.StatusLed.Pattern);

        rig.NetworkUp = false;
        rig.World.Run(ApplianceController.NetworkCheckInterval + TimeSpan.FromMilliseconds(50));
        // The timer's look at the network runs off the loop, and its answer is posted back.
        Assert.True(WaitFor(() =>
        {
            rig.World.Run(TimeSpan.FromMilliseconds(5));
            return rig.Appliance.Device == DeviceState.Degraded;
        }));
        Assert.Equal(LedPattern.SlowBlink, rig.Appliance.StatusLed.Pattern);

        rig.Appliance.ReportFault("audio output hw:1: no such device");
        Assert.Equal(DeviceState.Error, rig.Appliance.Device);
        Assert.Equal(LedPattern.FastBlink, rig.Appliance.StatusLed.Pattern);
        rig.NetworkUp = true;
        rig.Appliance.CheckNetwork();
        Assert.Equal(DeviceState.Error, rig.Appliance.Device); // the fault still shows

        rig.Appliance.ClearFault();
        Assert.Equal(DeviceState.Ready, rig.Appliance.Device);
        var transitions = rig.EventsOf(ApplianceEventNames.Device, ControlJsonContext.Default.DeviceEventData).Select(e => $"{e.Was}>{e.Now}");
        Assert.Equal(["starting>ready", "ready>degraded", "degraded>error", "error>ready"], transitions);
        Assert.Contains(rig.Log, l => l == "device: was ready, on network_down, now degraded");
    }

    [Fact]
    public void TheStatusLedBlinksAtItsPatternOnTheChip()
    {
        using var rig = new ApplianceRig();
        rig.Appliance.Started();
        rig.Appliance.ReportFault("test");
        int before = rig.Activations(Defaults.StatusLedLine);
        rig.World.Run(TimeSpan.FromSeconds(2));
        // Fast blink: 4 Hz, so 8 flashes in 2 s (give or take the one at the edge).
        Assert.InRange(rig.Activations(Defaults.StatusLedLine) - before, 7, 9);
    }

    [Fact]
    public void SummaryReportsLedsToneAndTalking()
    {
        using var rig = new ApplianceRig(Defaults with { DoNotDisturb = false });
        rig.Appliance.Started();
        rig.RingB();
        var summary = rig.Appliance.Summary();
        Assert.Equal(new DeviceSummary("ready", null, "sim", "on", "fast_blink", "ring", false, false, false), summary);
    }

    private static bool WaitFor(Func<bool> condition)
    {
        // A tone's thread is real; give it up to 5 s of real time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Yield();
        }

        return condition();
    }

    private sealed class RecordingPolicy : ICallPolicy
    {
        public List<(bool Opened, string Text)> Answers { get; } = new();

        public IncomingVerdict Screen(Protocol.Identity.NodeId caller) => IncomingVerdict.Ring;

        public (bool Opened, string Reason) OpenDoor(Protocol.Identity.NodeId peer) => (false, "no door");

        public void DoorAnswered(bool opened, string text) => Answers.Add((opened, text));
    }
}
