using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// One authenticated, encrypted session with a peer endpoint. Created by
/// <see cref="SessionLayer.Connect"/> (initiator) or by a confirmed KeyRequest (responder).
/// </summary>
/// <remarks>
/// <code>
///  Connect ──► Handshaking ──valid KeyResponse──► Established ──Close/failure──► Closed
///                   └──────── timeout / wrong identity ──────────────────────────┘
/// </code>
/// The responder's sessions are born Established (after the KeyConfirm). A rekey swaps the keys of
/// an Established session without leaving that state. Not thread-safe: the event loop owns it.
/// </remarks>
public sealed class SecureSession
{
    private readonly SessionLayer _layer;

    internal SecureSession(SessionLayer layer, PeerEndpoint remote, bool isInitiator, NodeId expectedPeerId, long now)
    {
        _layer = layer;
        Remote = remote;
        IsInitiator = isInitiator;
        ExpectedPeerId = expectedPeerId;
        LastSentAt = now;
        LastReceivedAt = now;
    }

    public PeerEndpoint Remote { get; }

    public bool IsInitiator { get; }

    public SessionState State { get; internal set; }

    /// <summary>The peer's verified ID; Zero until the handshake names it.</summary>
    public NodeId PeerId { get; internal set; }

    /// <summary>The ID that was dialed (Zero: anyone at <see cref="Remote"/>); Zero for responder sessions.</summary>
    public NodeId ExpectedPeerId { get; }

    /// <summary>For the daemon's call object.</summary>
    public object? Tag { get; set; }

    /// <summary>Highest authenticated media sequence under the current keys (restarts at 1 after a rekey).</summary>
    public uint LastReceivedMediaSequence { get; internal set; }

    public long PacketsSent { get; internal set; }

    public long PacketsReceived { get; internal set; }

    /// <summary>Plaintext payload bytes sealed and sent.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Plaintext payload bytes authenticated and received.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Completed key swaps on this session.</summary>
    public int Rekeys { get; internal set; }

    // ---- owned by SessionLayer ----
    internal SessionKeys? Keys { get; set; }

    internal SessionKeys? PreviousKeys { get; set; }

    internal long PreviousKeysExpireAt { get; set; }

    /// <summary>An outgoing handshake in progress: the first one, or a rekey.</summary>
    internal InitiatorHandshake? Handshake { get; set; }

    /// <summary>Initiator: the KeyConfirm to resend until the peer proves (by an authenticated packet) it has the keys.</summary>
    internal byte[]? ConfirmToResend { get; set; }

    internal long ConfirmSentAt { get; set; }

    /// <summary>Initiator: the last KeyResponse accepted, so a retransmitted copy is answered, not counted as an attack.</summary>
    internal byte[]? LastResponse { get; set; }

    /// <summary>Responder: the last KeyConfirm accepted, so a retransmitted copy is answered with a keepalive.</summary>
    internal byte[]? LastConfirm { get; set; }

    /// <summary>Responder: the KeyRequests that keyed this session, so a replay of one is refused.</summary>
    internal RequestHistory KeyedBy { get; } = new();

    internal long LastSentAt { get; set; }

    internal long LastReceivedAt { get; set; }

    /// <summary>Seals and sends one media payload (an Opus frame). No allocation. False if not
    /// established or the stream reached SequenceLimit.</summary>
    public bool TrySendMedia(ReadOnlySpan<byte> payload) => _layer.TrySendSealed(this, PacketType.Media, payload);

    /// <summary>Seals and sends one signal. Throws for a text over 64 UTF-8 bytes.</summary>
    public bool TrySendSignal(SignalKind kind, string? text = null) => _layer.TrySendSignal(this, new SignalMessage(kind, text));

    /// <summary>Ends the session locally: zeroes its keys and forgets it. No callback, no packet.</summary>
    /// <summary>Seals and sends a receiver report (a Control packet of kind <see cref="ReceiverReport.Kind"/>).</summary>
    public bool TrySendReport(in ReceiverReport report) => _layer.TrySendReport(this, report);

    public void Close() => _layer.Remove(this);

    public override string ToString() => $"session {(IsInitiator ? "to" : "from")} {Remote} peer {PeerId} {State}";
}
