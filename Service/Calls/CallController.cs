using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Calls;

/// <summary>Timing of the call signalling; the defaults suit a LAN and a mobile network alike.</summary>
public sealed record CallOptions
{
    /// <summary>Signals are idempotent state announcements, repeated at this interval until the peer
    /// shows it has them (UDP may lose any one).</summary>
    public TimeSpan SignalRepeat { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a hang-up waits for the peer's acknowledgement before it is final anyway.</summary>
    public TimeSpan EndingTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an incoming session may stay without an invite before it is closed.</summary>
    public TimeSpan InviteWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The name sent with our invites.</summary>
    public string Name { get; init; } = "PicoTalk";
}

/// <summary>
/// Runs the appliance's one call: turns control commands, signals from the peer and session events
/// into triggers of <see cref="CallStateMachine"/>, and applies each transition's side effects
/// (signals, media, events) in <see cref="ChangeState"/>, the one place that changes state.
/// Everything runs on the event loop; entry points assert it.
/// </summary>
/// <remarks>
/// Signalling runs in-band in the encrypted control stream after the key exchange (DESIGN.md,
/// session layer): the caller repeats INVITE until the callee answers RINGING; the callee repeats
/// ANSWER until the caller's media arrives; HANGUP and REJECT are repeated until HANGUP_ACK. Every
/// signal is a statement of state, so a repeat is harmless and a loss only delays.
/// </remarks>
public sealed partial class CallController : ISessionObserver
{
    private readonly EventLoop _loop;
    private CallOptions _options;
    private readonly ICallMediaFactory _mediaFactory;
    private readonly ICallEvents _events;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly IPeerResolver? _resolver;

    // Incoming sessions that are up but have not invited yet, or that we told we are busy.
    private readonly Dictionary<SecureSession, long> _waiting = new();

    public CallController(EventLoop loop, CallOptions options, ICallMediaFactory mediaFactory, ICallEvents events,
        Action<string> log, IPeerResolver? resolver = null)
    {
        _loop = loop;
        _resolver = resolver;
        _time = loop.Time;
        _options = options;
        _mediaFactory = mediaFactory;
        _events = events;
        _log = log;
    }

    /// <summary>Set once at start-up: the session layer is built with this controller as its observer.</summary>
    public SessionLayer? Sessions { get; set; }

    public CallState State { get; private set; } = CallState.Idle;

    /// <summary>The name sent with invites and the timeouts; replaced live by a config change (the
    /// next invite and the next timeout check use the new ones). On the loop.</summary>
    public CallOptions Options
    {
        get => _options;
        set
        {
            _loop.AssertOnLoop();
            _options = value;
        }
    }

    public Call? Current { get; private set; }

    /// <summary>Who may ring and open the door (the appliance's contacts and policies); set at start-up.</summary>
    public ICallPolicy Policy { get; set; } = OpenCallPolicy.Instance;

    /// <summary>Where peers were last seen: tried first when they are dialed by ID again.</summary>
    public EndpointCache Endpoints { get; } = new();

    /// <summary>Dials <paramref name="remote"/>; when <paramref name="expectedId"/> is not zero the call
    /// proceeds only if the peer's key hashes to it (DESIGN.md "Crypto rules").</summary>
    public CallCommandResult Dial(PeerEndpoint remote, NodeId expectedId)
    {
        _loop.AssertOnLoop();
        if (State != CallState.Idle)
        {
            return CallCommandResult.Refused($"cannot dial while {State.WireName()}");
        }

        if (expectedId == Sessions!.LocalId)
        {
            return CallCommandResult.Invalid("that is this appliance's own ID");
        }

        var session = Sessions.Connect(remote, expectedId);
        Current = new Call(session, CallDirection.Outgoing, _time.GetUtcNow());
        ChangeState(CallTrigger.Dial);
        return CallCommandResult.Ok;
    }

    /// <summary>Dials an ID alone: the address comes from where the peer was last seen, else from the
    /// routing layer (DESIGN.md "DHT": every appliance announces its ID as an info-hash).</summary>
    public CallCommandResult Dial(NodeId id)
    {
        _loop.AssertOnLoop();
        if (State != CallState.Idle)
        {
            return CallCommandResult.Refused($"cannot dial while {State.WireName()}");
        }

        if (id.IsZero || id == Sessions!.LocalId)
        {
            return CallCommandResult.Invalid(id.IsZero ? "the zero ID is nobody's" : "that is this appliance's own ID");
        }

        if (_resolver is null && !Endpoints.TryGet(id, out _))
        {
            return CallCommandResult.Invalid("dialing by ID alone needs the DHT, which is off; dial HOST:PORT/ID");
        }

        Current = new Call(CallDirection.Outgoing, id, _time.GetUtcNow());
        ChangeState(CallTrigger.Dial);
        return CallCommandResult.Ok;
    }

    public CallCommandResult Answer()
    {
        _loop.AssertOnLoop();
        if (State == CallState.RingingIn && Current is { AnswerAllowed: false })
        {
            return CallCommandResult.Refused("this caller may only ring (calls.unknown_callers is ring_only)");
        }

        return Local(CallTrigger.LocalAnswer, "nothing is ringing");
    }

    public CallCommandResult Reject() => Local(CallTrigger.LocalReject, "nothing is ringing");

    public CallCommandResult Hangup() => Local(CallTrigger.LocalHangup, "there is no call");

    private CallCommandResult Local(CallTrigger trigger, string whenIgnored)
    {
        _loop.AssertOnLoop();
        return ChangeState(trigger) ? CallCommandResult.Ok : CallCommandResult.Refused($"{whenIgnored} (state {State.WireName()})");
    }

    /// <summary>
    /// The one place that changes the call state: looks the transition up in the table, logs
    /// "was X, on Y, now Z", leaves the old state, enters the new one. Returns false, and changes
    /// nothing, when the table ignores <paramref name="trigger"/> in the current state.
    /// </summary>
    private bool ChangeState(CallTrigger trigger, CallEndReason? reason = null, string? message = null)
    {
        var was = State;
        if (!CallStateMachine.TryNext(was, trigger, out var now))
        {
            _log($"call: ignored {trigger.WireName()} while {was.WireName()}");
            return false;
        }

        var call = Current!;
        if (reason is { } r && call.End is null)
        {
            call.End = (r, message ?? r.ToString());
        }

        State = now;
        call.StateTimestamp = _time.GetTimestamp();
        _log($"call: was {was.WireName()}, on {trigger.WireName()}, now {now.WireName()}");
        Leave(was, call);
        Enter(now, call, trigger);
        _events.StateChanged(was, trigger, now);
        if (now == CallState.Idle)
        {
            Finish(call);
        }

        return true;
    }

    private void Leave(CallState state, Call call)
    {
        if (state == CallState.InCall && call.Media is { } media)
        {
            call.Media = null;
            media.Dispose();
        }
    }

    private void Enter(CallState state, Call call, CallTrigger trigger)
    {
        switch (state)
        {
            case CallState.Connecting:
                // The invite goes out once the session is up (OnSessionEstablished); a call dialed
                // by ID first needs an address.
                if (call.Session is null)
                {
                    Resolve(call);
                }

                break;
            case CallState.RingingOut:
                break;
            case CallState.RingingIn:
                Send(call, SignalKind.Ringing);
                _events.Ringing(call);
                break;
            case CallState.InCall:
                if (call.Direction == CallDirection.Incoming)
                {
                    Send(call, SignalKind.Answer);
                }

                call.Media = _mediaFactory.Start(call.Session!);
                break;
            case CallState.Ending:
                call.EndingSignal = trigger == CallTrigger.LocalReject ? SignalKind.Reject : SignalKind.Hangup;
                call.End ??= trigger switch
                {
                    CallTrigger.LocalReject => (CallEndReason.Rejected, "rejected here"),
                    CallTrigger.RingTimeout => (CallEndReason.Timeout, "no answer"),
                    _ => (CallEndReason.Hangup, "hung up here"),
                };
                Send(call, call.EndingSignal);
                break;
            case CallState.Idle:
                break;
            default:
                throw new InvalidOperationException($"no entry action for {state}");
        }
    }

    private void Finish(Call call)
    {
        Current = null;
        if (call.DoorRequest.Number != 0)
        {
            call.DoorRequest = default;
            Policy.DoorAnswered(false, "the call ended before the door request was answered");
        }

        call.Session?.Close();
        var (reason, message) = call.End ?? (CallEndReason.Hangup, "call ended");
        _log($"call: ended ({reason}: {message})");
        _events.CallEnded(call, reason, message);
    }

    private void Send(Call call, SignalKind kind, string? text = null)
    {
        if (call.Session is { State: SessionState.Established } session)
        {
            session.TrySendSignal(kind, text);
            call.LastSignalTimestamp = _time.GetTimestamp();
        }
    }

    private bool Due(long since, TimeSpan interval) => _time.GetElapsedTime(since) >= interval;
}

/// <summary>The outcome of a control command, mapped to the control socket's error codes.</summary>
public readonly record struct CallCommandResult(bool Success, string? ErrorCode, string? Message)
{
    public static CallCommandResult Ok => new(true, null, null);

    public static CallCommandResult Refused(string message) => new(false, "invalid_state", message);

    public static CallCommandResult Invalid(string message) => new(false, "invalid_argument", message);
}
