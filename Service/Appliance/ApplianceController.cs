using PicoTalk.Hal.Gpio;
using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Appliance;

/// <summary>
/// The appliance's hardware and policies on the event loop (issue 5): reads the buttons' edges from the
/// GPIO chip's descriptor, turns gestures into call actions through <see cref="ButtonMap"/>, shows the
/// device and call state on the LEDs (<see cref="LedIndicator"/>), plays the ringtone, pulses the door
/// relay for contacts allowed to open it, and decides who may ring (<see cref="ICallPolicy"/>).
/// </summary>
/// <remarks>
/// Every entry point runs on the loop (STYLE.md 6). Hal's <see cref="Button"/> and <see cref="Led"/>
/// get a <see cref="LoopTimeProvider"/>, so their timers call back on the loop too.
/// </remarks>
public sealed partial class ApplianceController : ICallEvents, ICallPolicy, IDisposable
{
    /// <summary>How long a <c>press</c> without a duration holds the button: a click.</summary>
    public static readonly TimeSpan DefaultPress = TimeSpan.FromMilliseconds(100);

    private readonly EventLoop _loop;
    private readonly TimeProvider _time;
    private readonly IGpioChip _chip;
    private ApplianceSettings _settings;
    private readonly CallController _calls;
    private readonly TonePlayer _tones;
    private readonly Func<NodeId, Contact?> _contacts;
    private readonly Action _dialSpeedDial;
    private readonly Action<string> _log;
    private readonly Action<ControlEvent> _publish;
    private readonly IGpioInputs _inputs;
    private readonly Button[] _buttons;
    private readonly int[] _lines;
    private readonly ITimer?[] _releaseTimers;
    private readonly Led _statusLed;
    private readonly Led _callLed;
    private readonly IGpioOutput _door;
    private readonly IDisposable? _watch;
    private readonly GpioEdge[] _edges = new GpioEdge[16];
    private ITimer? _doorTimer;
    private ITimer? _autoAnswerTimer;

    public ApplianceController(
        EventLoop loop,
        IGpioChip chip,
        ApplianceSettings settings,
        CallController calls,
        TonePlayer tones,
        Func<NodeId, Contact?> contacts,
        Action dialSpeedDial,
        Action<string> log,
        Action<ControlEvent> publish,
        Func<bool> networkUp)
    {
        _loop = loop;
        _time = new LoopTimeProvider(loop);
        _chip = chip;
        _settings = settings;
        _calls = calls;
        _tones = tones;
        _contacts = contacts;
        _dialSpeedDial = dialSpeedDial;
        _log = log;
        _publish = publish;
        _networkUp = networkUp;

        _lines = [settings.AnswerLine, settings.CallLine, settings.PttLine];
        _buttons = new Button[_lines.Length];
        _releaseTimers = new ITimer?[_lines.Length];
        foreach (var button in Enum.GetValues<ApplianceButton>())
        {
            _buttons[(int)button] = new Button(button.WireName(), _time, settings.Buttons, OnGesture);
        }

        _inputs = chip.RequestInputs(_lines, new GpioInputOptions(settings.ButtonsActiveLow, PullUp: true), "picotalkd");
        _statusLed = new Led(chip.RequestOutput(settings.StatusLedLine, activeLow: false, "picotalkd status"), _time);
        _callLed = new Led(chip.RequestOutput(settings.CallLedLine, activeLow: false, "picotalkd call"), _time);
        _door = chip.RequestOutput(settings.DoorLine, activeLow: false, "picotalkd door");
        // The loop polls the chip's descriptor beside the UDP socket: an edge costs no thread of its
        // own. A manual loop (tests on a fake clock) polls nothing; they call ReadEdges themselves.
        _watch = loop.IsManual ? null : loop.WatchReadable(_inputs.PollDescriptor, new EdgeReader(this));
        // Edges tell changes only: a button already held at start is seen by its level.
        for (int i = 0; i < _lines.Length; i++)
        {
            if (_inputs.IsActive(_lines[i]))
            {
                _buttons[i].OnLevel(true);
            }
        }

        UpdateLeds();
    }

    /// <summary>Push-to-talk is held.</summary>
    public bool Talking { get; private set; }

    /// <summary>Whether the appliance is in a room (PTT without a call talks there); set at start-up.</summary>
    public Func<bool>? InRoom { get; set; }

    /// <summary>Push-to-talk went down (true) or up (false); the room client sends while it is down.</summary>
    public Action<bool>? TalkingChanged { get; set; }

    /// <summary>The door relay is energised now.</summary>
    public bool DoorOpen => _door.IsActive;

    public Led StatusLed => _statusLed;

    public Led CallLed => _callLed;

    /// <summary>Reads every waiting edge from the chip and feeds it to its button (on the loop).</summary>
    public void ReadEdges()
    {
        _loop.AssertOnLoop();
        int count;
        while ((count = _inputs.ReadEdges(_edges)) > 0)
        {
            for (int i = 0; i < count; i++)
            {
                int index = Array.IndexOf(_lines, _edges[i].Line);
                if (index >= 0)
                {
                    _buttons[index].OnLevel(_edges[i].Active);
                }
            }
        }
    }

    /// <summary>
    /// <c>picotalk press</c>: presses <paramref name="button"/> for <paramref name="holdFor"/>, or until
    /// <see cref="Release"/> when null. On the simulated chip the press is an edge on the line, read back
    /// through the chip's descriptor like a real one; on a real chip it goes to the button's logic.
    /// </summary>
    public void Press(ApplianceButton button, TimeSpan? holdFor)
    {
        _loop.AssertOnLoop();
        int index = (int)button;
        _releaseTimers[index]?.Dispose();
        _releaseTimers[index] = null;
        SetLevel(index, true);
        if (holdFor is { } hold)
        {
            _releaseTimers[index] = _loop.CreateTimer(() => Release(button), hold, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary><c>picotalk release</c>: lets go of a held button.</summary>
    public void Release(ApplianceButton button)
    {
        _loop.AssertOnLoop();
        int index = (int)button;
        _releaseTimers[index]?.Dispose();
        _releaseTimers[index] = null;
        SetLevel(index, false);
    }

    private void SetLevel(int index, bool active)
    {
        if (_chip is SimulatedGpioChip sim)
        {
            sim.SetInput(_lines[index], active);
            if (_watch is null)
            {
                ReadEdges();
            }
        }
        else
        {
            _buttons[index].OnLevel(active);
        }
    }

    private void OnGesture(Button button, ButtonGesture gesture)
    {
        _loop.AssertOnLoop();
        if (!ButtonMap.TryParse(button.Name, out var which))
        {
            return;
        }

        var state = _calls.State;
        var action = ButtonMap.Lookup(which, gesture, state);
        if (action != ApplianceAction.None || gesture is ButtonGesture.Click or ButtonGesture.LongPress)
        {
            _log($"button: {which.WireName()} {WireName(gesture)} while {state.WireName()}: {WireName(action)}");
        }

        _publish(ControlEvent.Create(ApplianceEventNames.Button,
            new ButtonEventData(which.WireName(), WireName(gesture), WireName(action)), ControlJsonContext.Default.ButtonEventData));
        Execute(action);
    }

    private void Execute(ApplianceAction action)
    {
        CallCommandResult result = CallCommandResult.Ok;
        switch (action)
        {
            case ApplianceAction.None:
                return;
            case ApplianceAction.Answer:
                result = _calls.Answer();
                break;
            case ApplianceAction.Reject:
                result = _calls.Reject();
                break;
            case ApplianceAction.Hangup:
                result = _calls.Hangup();
                break;
            case ApplianceAction.DialSpeedDial:
                if (_settings.SpeedDial.Length == 0)
                {
                    _log("button: CALL pressed, but no speed dial is set (calls.speed_dial)");
                    return;
                }

                _dialSpeedDial();
                return;
            case ApplianceAction.TalkStart:
            case ApplianceAction.TalkStop:
                bool talk = action == ApplianceAction.TalkStart;
                if (talk && _calls.State != CallState.InCall && InRoom?.Invoke() != true)
                {
                    _log("button: PTT pressed, but there is no call and no room to talk in");
                    return;
                }

                if (talk == Talking)
                {
                    return; // e.g. PTT let go after a call ended, or a press that was refused
                }

                Talking = talk;
                ApplyMicrophone();
                TalkingChanged?.Invoke(talk);
                UpdateLeds();
                return;
            default:
                throw new InvalidOperationException($"no handler for {action}");
        }

        if (!result.Success)
        {
            _log($"button: {WireName(action)} refused: {result.Message}");
        }
    }

    /// <summary>The microphone is muted (from the control socket or the web page): nothing is sent
    /// until unmuted, push-to-talk included. Lasts beyond the call, like a mute key on a phone.</summary>
    public bool Muted { get; private set; }

    public void SetMuted(bool muted)
    {
        _loop.AssertOnLoop();
        Muted = muted;
        ApplyMicrophone();
    }

    /// <summary>The current settings; <see cref="ApplySettings"/> replaces them.</summary>
    public ApplianceSettings Settings => _settings;

    /// <summary>
    /// Takes new call policies at once (a changed config: DND, unknown callers, auto-answer, speed dial,
    /// half duplex, ringtone, button timing for new presses). The GPIO lines stay as they were opened:
    /// changing a pin needs a restart.
    /// </summary>
    public void ApplySettings(ApplianceSettings settings)
    {
        _loop.AssertOnLoop();
        _settings = settings with
        {
            AnswerLine = _settings.AnswerLine,
            CallLine = _settings.CallLine,
            PttLine = _settings.PttLine,
            StatusLedLine = _settings.StatusLedLine,
            CallLedLine = _settings.CallLedLine,
            DoorLine = _settings.DoorLine,
            ButtonsActiveLow = _settings.ButtonsActiveLow,
            Buttons = _settings.Buttons,
        };
        ApplyMicrophone();
        StatusChanged?.Invoke();
    }

    /// <summary>A half-duplex call sends the microphone only while PTT is held; a full-duplex one
    /// always; a muted one never.</summary>
    private void ApplyMicrophone()
    {
        if (_calls.Current is { Media: { } media })
        {
            media.MicrophoneOpen = !Muted && (!_settings.HalfDuplex || Talking);
        }
    }

    private void UpdateLeds()
    {
        _statusLed.Show(LedIndicator.Status(Device));
        _callLed.Show(LedIndicator.Call(_calls.State, Talking, InRoom?.Invoke() == true));
    }

    /// <summary>On the loop: the appliance joined or left a room (the call LED shows it).</summary>
    public void RoomChanged() => UpdateLeds();

    internal static string WireName(ButtonGesture gesture) => gesture switch
    {
        ButtonGesture.Down => "down",
        ButtonGesture.Up => "up",
        ButtonGesture.Click => "click",
        ButtonGesture.LongPress => "long_press",
        _ => throw new ArgumentOutOfRangeException(nameof(gesture), gesture, null),
    };

    internal static string WireName(ApplianceAction action) => action switch
    {
        ApplianceAction.None => "none",
        ApplianceAction.Answer => "answer",
        ApplianceAction.Reject => "reject",
        ApplianceAction.Hangup => "hangup",
        ApplianceAction.DialSpeedDial => "dial_speed_dial",
        ApplianceAction.TalkStart => "talk_start",
        ApplianceAction.TalkStop => "talk_stop",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public void Dispose()
    {
        _watch?.Dispose();
        _autoAnswerTimer?.Dispose();
        _testToneTimer?.Dispose();
        _networkTimer?.Dispose();
        foreach (var timer in _releaseTimers)
        {
            timer?.Dispose();
        }

        foreach (var button in _buttons)
        {
            button.Dispose();
        }

        _tones.Dispose();
        _statusLed.Dispose();
        _callLed.Dispose();
        _doorTimer?.Dispose();
        _door.Set(false);
        _door.Dispose();
        _inputs.Dispose();
        _chip.Dispose();
    }

    /// <summary>The loop's handler for the chip's descriptor; preallocated.</summary>
    private sealed class EdgeReader(ApplianceController owner) : ILoopWork
    {
        public void Execute() => owner.ReadEdges();
    }
}
