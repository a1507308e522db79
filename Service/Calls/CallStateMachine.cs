namespace PicoTalk.Service.Calls;

/// <summary>Where the appliance is with its one call.</summary>
public enum CallState
{
    /// <summary>No call.</summary>
    Idle,

    /// <summary>Dialing: key exchange in flight, then the invite until the callee says it rings.</summary>
    Connecting,

    /// <summary>The callee rings; we wait for it to answer.</summary>
    RingingOut,

    /// <summary>A caller's invite rings here; we wait for a local answer or reject.</summary>
    RingingIn,

    /// <summary>Media flows both ways.</summary>
    InCall,

    /// <summary>We hung up or rejected and wait, briefly, for the peer to acknowledge.</summary>
    Ending,
}

/// <summary>Everything that can move the call state: control commands and buttons (Local…), signals
/// from the peer (Remote…), the session layer (Session…) and timers.</summary>
public enum CallTrigger
{
    Dial,
    SessionFailed,
    RemoteInvite,
    RemoteRinging,
    RemoteAnswer,
    RemoteReject,
    RemoteBusy,
    RemoteHangup,
    RemoteHangupAck,
    LocalAnswer,
    LocalReject,
    LocalHangup,
    RingTimeout,
    EndingTimeout,
}

/// <summary>
/// The call state machine as a static table (STYLE.md 5). Every (state, trigger) pair that moves the
/// call is listed; every other pair is explicitly ignored: <see cref="TryNext"/> returns false and the
/// caller logs it. The table knows nothing of sockets, timers or media: <see cref="CallController"/>
/// applies the side effects of each transition in its one <c>ChangeState</c> method.
/// </summary>
/// <remarks>
/// <code>
///            Dial                SessionUp+RemoteRinging          RemoteAnswer
///   Idle ──────────▶ Connecting ───────────────▶ RingingOut ─────────────────▶ InCall
///    ▲  ▲  RemoteInvite                                                  ▲        │
///    │  └─────────────────────▶ RingingIn ── LocalAnswer ────────────────┘        │ LocalHangup
///    │                              │ LocalReject                                 ▼
///    │◀── RemoteHangupAck / EndingTimeout ──────────────── Ending ◀───────────────┘
///    │◀── RemoteHangup, RemoteReject, RemoteBusy, SessionFailed, RingTimeout (from any call state)
/// </code>
/// </remarks>
public static class CallStateMachine
{
    private static readonly Dictionary<(CallState From, CallTrigger On), CallState> Table = new()
    {
        [(CallState.Idle, CallTrigger.Dial)] = CallState.Connecting,
        [(CallState.Idle, CallTrigger.RemoteInvite)] = CallState.RingingIn,

        // The invite is sent once the session is up; the call moves on when the callee rings.
        [(CallState.Connecting, CallTrigger.RemoteRinging)] = CallState.RingingOut,
        [(CallState.Connecting, CallTrigger.RemoteAnswer)] = CallState.InCall, // auto-answer skips ringing
        [(CallState.Connecting, CallTrigger.RemoteReject)] = CallState.Idle,
        [(CallState.Connecting, CallTrigger.RemoteBusy)] = CallState.Idle,
        [(CallState.Connecting, CallTrigger.RemoteHangup)] = CallState.Idle,
        [(CallState.Connecting, CallTrigger.SessionFailed)] = CallState.Idle,
        [(CallState.Connecting, CallTrigger.LocalHangup)] = CallState.Ending,
        [(CallState.Connecting, CallTrigger.RingTimeout)] = CallState.Ending,

        [(CallState.RingingOut, CallTrigger.RemoteAnswer)] = CallState.InCall,
        [(CallState.RingingOut, CallTrigger.RemoteReject)] = CallState.Idle,
        [(CallState.RingingOut, CallTrigger.RemoteBusy)] = CallState.Idle,
        [(CallState.RingingOut, CallTrigger.RemoteHangup)] = CallState.Idle,
        [(CallState.RingingOut, CallTrigger.SessionFailed)] = CallState.Idle,
        [(CallState.RingingOut, CallTrigger.LocalHangup)] = CallState.Ending,
        [(CallState.RingingOut, CallTrigger.RingTimeout)] = CallState.Ending,

        [(CallState.RingingIn, CallTrigger.LocalAnswer)] = CallState.InCall,
        [(CallState.RingingIn, CallTrigger.LocalReject)] = CallState.Ending,
        [(CallState.RingingIn, CallTrigger.LocalHangup)] = CallState.Ending,
        [(CallState.RingingIn, CallTrigger.RemoteHangup)] = CallState.Idle,
        [(CallState.RingingIn, CallTrigger.SessionFailed)] = CallState.Idle,
        [(CallState.RingingIn, CallTrigger.RingTimeout)] = CallState.Ending,

        [(CallState.InCall, CallTrigger.LocalHangup)] = CallState.Ending,
        [(CallState.InCall, CallTrigger.RemoteHangup)] = CallState.Idle,
        [(CallState.InCall, CallTrigger.SessionFailed)] = CallState.Idle,

        [(CallState.Ending, CallTrigger.RemoteHangupAck)] = CallState.Idle,
        [(CallState.Ending, CallTrigger.RemoteHangup)] = CallState.Idle,
        [(CallState.Ending, CallTrigger.SessionFailed)] = CallState.Idle,
        [(CallState.Ending, CallTrigger.EndingTimeout)] = CallState.Idle,
    };

    /// <summary>The state that <paramref name="trigger"/> leads to from <paramref name="from"/>, or
    /// false when the table ignores it there (e.g. a second answer while already in a call).</summary>
    public static bool TryNext(CallState from, CallTrigger trigger, out CallState to) =>
        Table.TryGetValue((from, trigger), out to);

    /// <summary>Every transition, for documentation and tests.</summary>
    public static IEnumerable<(CallState From, CallTrigger On, CallState To)> Transitions =>
        Table.Select(kv => (kv.Key.From, kv.Key.On, kv.Value));

    /// <summary>The state's name on the control socket (snake_case, DESIGN.md "Control socket").</summary>
    public static string WireName(this CallState state) => state switch
    {
        CallState.Idle => "idle",
        CallState.Connecting => "connecting",
        CallState.RingingOut => "ringing_out",
        CallState.RingingIn => "ringing_in",
        CallState.InCall => "in_call",
        CallState.Ending => "ending",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string WireName(this CallTrigger trigger) => trigger switch
    {
        CallTrigger.Dial => "dial",
        CallTrigger.SessionFailed => "session_failed",
        CallTrigger.RemoteInvite => "remote_invite",
        CallTrigger.RemoteRinging => "remote_ringing",
        CallTrigger.RemoteAnswer => "remote_answer",
        CallTrigger.RemoteReject => "remote_reject",
        CallTrigger.RemoteBusy => "remote_busy",
        CallTrigger.RemoteHangup => "remote_hangup",
        CallTrigger.RemoteHangupAck => "remote_hangup_ack",
        CallTrigger.LocalAnswer => "answer",
        CallTrigger.LocalReject => "reject",
        CallTrigger.LocalHangup => "hangup",
        CallTrigger.RingTimeout => "ring_timeout",
        CallTrigger.EndingTimeout => "ending_timeout",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
    };
}
