using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Service.Calls;

public enum CallDirection
{
    Outgoing,
    Incoming,
}

/// <summary>Why a call ended, as the control socket names it (<c>call_ended.reason</c>).</summary>
public enum CallEndReason
{
    Hangup,
    Rejected,
    Busy,
    Timeout,
    IdentityMismatch,
    Error,

    /// <summary>No path can exist (both ends behind symmetric NAT): ended at once, not after a timeout.</summary>
    Unreachable,
}

/// <summary>The one call the appliance has: its session, who and since when. Owned by the loop.</summary>
public sealed class Call
{
    public Call(SecureSession session, CallDirection direction, DateTimeOffset since)
        : this(direction, session.ExpectedPeerId, since)
    {
        Session = session;
    }

    /// <summary>An outgoing call to an ID whose address is still being looked up.</summary>
    public Call(CallDirection direction, NodeId dialedId, DateTimeOffset since)
    {
        Direction = direction;
        DialedId = dialedId;
        Since = since;
    }

    /// <summary>The call's session; null while a call dialed by ID is still being resolved.</summary>
    public SecureSession? Session { get; set; }

    public CallDirection Direction { get; }

    public DateTimeOffset Since { get; }

    /// <summary>The ID that was dialed (zero when dialing an address alone).</summary>
    public NodeId DialedId { get; }

    /// <summary>Where the address came from when dialed by ID: the endpoint cache, then the DHT.</summary>
    public ResolveStage Resolve { get; set; } = ResolveStage.None;

    /// <summary>The name the caller sent with its invite (incoming calls only).</summary>
    public string? PeerName { get; set; }

    /// <summary>Who the call is with: the authenticated peer, else the ID dialed.</summary>
    public NodeId PeerId => Session is { PeerId: { IsZero: false } id } ? id : DialedId;

    /// <summary>The peer's address, or null while it is being looked up.</summary>
    public PeerEndpoint? Remote => Session?.Remote;

    /// <summary>Media of the call while it is <see cref="CallState.InCall"/>.</summary>
    public ICallMedia? Media { get; set; }

    /// <summary>Timestamp (TimeProvider) of the last time a signal was (re)sent.</summary>
    public long LastSignalTimestamp { get; set; }

    /// <summary>Timestamp at which the current state was entered.</summary>
    public long StateTimestamp { get; set; }

    /// <summary>Why the call is ending, set when it leaves the call states.</summary>
    public (CallEndReason Reason, string Message)? End { get; set; }

    /// <summary>The signal <see cref="CallState.Ending"/> repeats until acknowledged (Hangup or Reject).</summary>
    public SignalKind EndingSignal { get; set; } = SignalKind.Hangup;

    /// <summary>False for an incoming call that may only ring (<see cref="IncomingVerdict.RingOnly"/>).</summary>
    public bool AnswerAllowed { get; init; } = true;

    /// <summary>Our door request in flight: its number (0 = none) and when it was first sent.</summary>
    public (uint Number, long Since) DoorRequest { get; set; }

    /// <summary>The peer's last door request we answered, and our answer, resent on a repeat so a
    /// repeated request never pulses the relay twice.</summary>
    public (uint Number, string Answer) DoorAnswered { get; set; }
}

/// <summary>How far resolving a dialed ID has come.</summary>
public enum ResolveStage
{
    /// <summary>Dialed by address: nothing to resolve.</summary>
    None,

    /// <summary>Trying the endpoint where this peer was last seen.</summary>
    Cached,

    /// <summary>Asking the DHT.</summary>
    Lookup,

    /// <summary>Trying an address the DHT gave.</summary>
    Found,
}

/// <summary>The media of one call: encoder and capture, receive stream and playback.</summary>
public interface ICallMedia : IDisposable
{
    /// <summary>A decrypted media packet for this call (on the loop; must not allocate).</summary>
    void OnMedia(uint sequence, ReadOnlySpan<byte> payload);

    /// <summary>The peer's receiver report (on the loop): how our media arrives there.</summary>
    void OnReport(in ReceiverReport report);

    CallMediaStats Stats { get; }

    /// <summary>Whether captured audio is sent (true) or replaced by silence: a half-duplex call sends
    /// only while push-to-talk is held. On the loop.</summary>
    bool MicrophoneOpen { get; set; }
}

/// <summary>
/// Statistics of a call's media: counters since it started, then the encoder's current bitrate,
/// the receive side's jitter-buffer delay, and what is known of the link (null until known);
/// <see cref="InputLevelDb"/> is the microphone's RMS level in dBFS over the latest captured period.
/// </summary>
public readonly record struct CallMediaStats(
    long FramesSent,
    long FramesReceived,
    long FramesPlayed,
    long Concealed,
    long FecRecovered,
    long Late,
    int BitrateBps = 0,
    int JitterBufferMs = 0,
    double? LossPercent = null,
    double? JitterMs = null,
    int? RoundTripMs = null,
    int? MouthToEarMs = null,
    bool? Fec = null,
    double? PeerLossPercent = null,
    double? InputLevelDb = null);

/// <summary>Starts the media of a call once it is answered.</summary>
public interface ICallMediaFactory
{
    ICallMedia Start(SecureSession session);
}

/// <summary>What the call controller tells the rest of the daemon (the control socket's events).</summary>
public interface ICallEvents
{
    void StateChanged(CallState was, CallTrigger on, CallState now);

    void Ringing(Call call);

    void CallEnded(Call call, CallEndReason reason, string message);
}
