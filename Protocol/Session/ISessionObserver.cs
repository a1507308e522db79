namespace PicoTalk.Protocol.Session;

/// <summary>Where a session stands. Handshaking -> Established -> Closed; Handshaking -> Closed.</summary>
public enum SessionState
{
    Handshaking,
    Established,
    Closed,
}

/// <summary>Why a session ended without the daemon closing it.</summary>
public enum SessionFailure
{
    /// <summary>No valid KeyResponse within HandshakeTimeout.</summary>
    HandshakeTimeout,

    /// <summary>SHA-1 of the peer's identity SPKI is not the dialed ID (DESIGN.md "Crypto rules").</summary>
    IdentityMismatch,

    /// <summary>The dial was refused locally (for example, dialing our own ID).</summary>
    HandshakeRejected,

    /// <summary>Nothing authenticated arrived for SilenceTimeout.</summary>
    PeerSilent,

    /// <summary>A newer handshake with the same endpoint replaced this session.</summary>
    Superseded,

    /// <summary>MaxSessions sessions exist already.</summary>
    TooManySessions,
}

/// <summary>
/// The daemon's side of the session layer. Called on the event loop thread, from Handle, Poll or
/// Connect; callbacks may call back into the layer (send, close, connect).
/// </summary>
public interface ISessionObserver
{
    /// <summary>A handshake completed (not called again for rekeys).</summary>
    void OnSessionEstablished(SecureSession session);

    /// <summary>The session ended; it is already Closed and its keys zeroed when this runs.</summary>
    void OnSessionFailed(SecureSession session, SessionFailure failure, string message);

    /// <summary>An authenticated media payload; the span is valid only during the call.</summary>
    void OnMedia(SecureSession session, uint sequence, ReadOnlySpan<byte> payload);

    /// <summary>An authenticated signal other than Keepalive.</summary>
    void OnSignal(SecureSession session, SignalMessage message);

    /// <summary>An authenticated receiver report from the peer (media feedback, RFC 3550 §6.4.1 in spirit).</summary>
    void OnReport(SecureSession session, in ReceiverReport report);
}
