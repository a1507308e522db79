namespace PicoTalk.Protocol.Control;

// The names on the control socket (DESIGN.md "Control socket", "Command line contract"). Scripts and
// the web page rely on them: extend these lists, never rename an entry. They are strings rather
// than enums on the wire so an older client can still print a state a newer daemon adds.

/// <summary>Values of a request's <c>cmd</c>.</summary>
public static class ControlCommands
{
    public const string Status = "status";
    public const string Id = "id";
    public const string Dial = "dial";
    public const string Answer = "answer";
    public const string Hangup = "hangup";

    /// <summary>Subscribes the connection to pushed events; answered by the server itself.</summary>
    public const string Events = "events";

    public const string Contacts = "contacts";
    public const string Press = "press";
    public const string Release = "release";
}

/// <summary>Values of <c>error.code</c> in a reply with <c>"ok":false</c>.</summary>
public static class ControlErrorCodes
{
    /// <summary>The line was not a request: too long, not JSON, no valid id or cmd.</summary>
    public const string BadRequest = "bad_request";

    public const string UnknownCommand = "unknown_command";
    public const string InvalidArgument = "invalid_argument";

    /// <summary>The command does not fit the daemon's state, e.g. answer with nothing ringing.</summary>
    public const string InvalidState = "invalid_state";

    public const string NotFound = "not_found";
    public const string Busy = "busy";
    public const string Internal = "internal";
}

/// <summary>Values of <c>state</c> (the daemon's call state machine).</summary>
public static class ControlStates
{
    public const string Idle = "idle";
    public const string Connecting = "connecting";
    public const string RingingOut = "ringing_out";
    public const string RingingIn = "ringing_in";
    public const string InCall = "in_call";
    public const string Ending = "ending";
}

/// <summary>Values of a call summary's <c>direction</c>.</summary>
public static class CallDirections
{
    public const string Outgoing = "outgoing";
    public const string Incoming = "incoming";
}

/// <summary>Values of <c>reason</c> in a <c>call_ended</c> event.</summary>
public static class CallEndReasons
{
    public const string Hangup = "hangup";
    public const string Rejected = "rejected";
    public const string Busy = "busy";
    public const string Timeout = "timeout";

    /// <summary>The peer's key did not hash to the dialed ID (DESIGN.md "Wire", crypto rules).</summary>
    public const string IdentityMismatch = "identity_mismatch";

    public const string Error = "error";
}

/// <summary>Values of an event's <c>event</c>.</summary>
public static class ControlEventNames
{
    public const string State = "state";
    public const string Ring = "ring";
    public const string CallEnded = "call_ended";
}
