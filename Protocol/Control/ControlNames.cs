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

    /// <summary>The audio devices the config can name, and the ones in use.</summary>
    public const string Devices = "devices";

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

    /// <summary>No direct path can exist, e.g. both ends behind symmetric NAT (RFC 4787
    /// endpoint-dependent mapping); the call ends at once instead of after the handshake timeout.</summary>
    public const string Unreachable = "unreachable";
}

/// <summary>Values of <c>dht.nat</c> in <c>status</c>: this appliance's NAT as the DHT's answers show it (RFC 4787 §4.1).</summary>
public static class NatKinds
{
    /// <summary>Fewer than two nodes have reported our address yet.</summary>
    public const string Unknown = "unknown";

    /// <summary>Others see one of our own addresses: no NAT in the way.</summary>
    public const string None = "none";

    /// <summary>One public endpoint for every destination (a cone NAT): calls get in by hole punching.</summary>
    public const string EndpointIndependent = "endpoint_independent";

    /// <summary>A public port per destination (a symmetric NAT): only peers without one can reach us.</summary>
    public const string EndpointDependent = "endpoint_dependent";
}

/// <summary>Values of an event's <c>event</c>.</summary>
public static class ControlEventNames
{
    public const string State = "state";
    public const string Ring = "ring";
    public const string CallEnded = "call_ended";
}
