using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// The authenticated session layer (DESIGN.md "Session layer"): a three-message signed ECDH
/// handshake (KeyRequest, KeyResponse, KeyConfirm), then AES-256-GCM streams with 64-bit tags and
/// in-band signalling. Sans-IO: the daemon feeds datagrams to <see cref="Handle"/>, calls
/// <see cref="Poll"/> about every 50 ms, and the layer sends through <see cref="IDatagramSender"/>.
/// Not thread-safe: everything runs on the daemon's event loop.
/// </summary>
public sealed partial class SessionLayer : IDatagramHandler
{
    private readonly IdentityKey _identity;
    private readonly IDatagramSender _sender;
    private readonly ISessionObserver _observer;
    private readonly TimeProvider _time;
    private readonly DropCounters _drops;
    private readonly SessionOptions _options;

    // Established sessions by endpoint (at most one per endpoint), dialing ones by endpoint, and all of them.
    private readonly Dictionary<PeerEndpoint, SecureSession> _established = new();
    private readonly Dictionary<PeerEndpoint, SecureSession> _dialing = new();
    private readonly List<SecureSession> _all = new();
    private readonly Dictionary<PeerEndpoint, PendingHandshake> _pending = new();
    private readonly SourceRateLimiter _rateLimiter;

    // Reused buffers keep the media paths allocation-free.
    private readonly byte[] _sendBuffer;
    private readonly byte[] _receiveBuffer;
    private readonly List<SecureSession> _pollScratch = new();
    private readonly List<PeerEndpoint> _expiredScratch = new();

    public SessionLayer(IdentityKey identity, IDatagramSender sender, ISessionObserver observer, TimeProvider time,
        DropCounters drops, SessionOptions? options = null)
    {
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
        _observer = observer ?? throw new ArgumentNullException(nameof(observer));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _drops = drops ?? throw new ArgumentNullException(nameof(drops));
        _options = options ?? new SessionOptions();
        _options.Validate();
        _rateLimiter = new SourceRateLimiter(time, _options.KeyRequestsPerSecondPerSource, _options.KeyRequestBurst,
            _options.MaxRateLimitSources);
        _sendBuffer = new byte[_options.MaxDatagram];
        _receiveBuffer = new byte[_options.MaxDatagram];
        LocalId = identity.Id;
    }

    public NodeId LocalId { get; }

    public SessionOptions Options => _options;

    /// <summary>A snapshot of the dialing and established sessions.</summary>
    public IReadOnlyCollection<SecureSession> Sessions => _all.ToArray();

    public SessionCounters Counters { get; } = new();

    /// <summary>Half-open responder handshakes waiting for a KeyConfirm.</summary>
    public int PendingHandshakeCount => _pending.Count;

    /// <summary>Handshake signatures checked so far (test hook: proves which floods never reach a public-key operation).</summary>
    internal long SignatureVerifications { get; private set; }

    /// <summary>Test hook: sees the key and nonce of every packet sealed.</summary>
    internal SealAudit? SealAudit { get; set; }

    public void RegisterWith(PacketDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        dispatcher.Register(PacketType.KeyRequest, this);
        dispatcher.Register(PacketType.KeyResponse, this);
        dispatcher.Register(PacketType.KeyConfirm, this);
        dispatcher.Register(PacketType.Media, this);
        dispatcher.Register(PacketType.Control, this);
    }

    /// <summary>Handles one datagram of a session type. Never throws for any bytes; drops are counted.</summary>
    public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        // Length first, before any parsing or crypto (STYLE.md 2).
        if (datagram.IsEmpty || datagram.Length > _options.MaxDatagram)
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        switch ((PacketType)datagram[0])
        {
            case PacketType.Media:
            case PacketType.Control:
                HandleSealed(datagram, from);
                break;
            case PacketType.KeyRequest:
                HandleKeyRequest(datagram, from);
                break;
            case PacketType.KeyResponse:
                HandleKeyResponse(datagram, from);
                break;
            case PacketType.KeyConfirm:
                HandleKeyConfirm(datagram, from);
                break;
            default:
                _drops.Count(DropReason.UnknownType);
                break;
        }
    }

    /// <summary>
    /// Dials <paramref name="remote"/>. The returned session is Handshaking; the observer hears
    /// OnSessionEstablished or OnSessionFailed. <paramref name="expectedPeerId"/> Zero accepts
    /// whoever answers; otherwise the peer's identity must hash to it (DESIGN.md "Crypto rules").
    /// </summary>
    public SecureSession Connect(PeerEndpoint remote, NodeId expectedPeerId)
    {
        if (remote.IsEmpty)
        {
            throw new ArgumentException("cannot dial an empty endpoint", nameof(remote));
        }

        long now = _time.GetTimestamp();
        var session = new SecureSession(this, remote, isInitiator: true, expectedPeerId, now);
        if (!expectedPeerId.IsZero && expectedPeerId == LocalId)
        {
            FailUnstarted(session, SessionFailure.HandshakeRejected, $"refusing to dial our own ID {LocalId}");
            return session;
        }

        if (_dialing.TryGetValue(remote, out var previousDial))
        {
            Fail(previousDial, SessionFailure.Superseded, $"a new dial to {remote} replaced this one");
        }

        if (_all.Count >= _options.MaxSessions)
        {
            FailUnstarted(session, SessionFailure.TooManySessions,
                $"{_all.Count} sessions exist already (MaxSessions {_options.MaxSessions})");
            return session;
        }

        _dialing[remote] = session;
        _all.Add(session);
        StartHandshake(session, isRekey: false, expectedPeerId, now);
        return session;
    }

    /// <summary>Seals one packet on a session's stream and sends it. Allocation-free.</summary>
    internal bool TrySendSealed(SecureSession session, PacketType type, ReadOnlySpan<byte> payload)
    {
        int maxPayload = _options.MaxDatagram - SealedPacket.Overhead;
        if (payload.Length > maxPayload)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds {maxPayload}", nameof(payload));
        }

        if (session.State != SessionState.Established || session.Keys is not { } keys)
        {
            return false;
        }

        if (!keys.Out(type).TrySeal(type, payload, _sendBuffer, _options.SequenceLimit, SealAudit, out int written))
        {
            Counters.SealRefused();
            return false;
        }

        _sender.Send(_sendBuffer.AsSpan(0, written), session.Remote);
        session.LastSentAt = _time.GetTimestamp();
        session.PacketsSent++;
        session.BytesSent += payload.Length;
        Counters.PacketSealed();
        return true;
    }

    internal bool TrySendSignal(SecureSession session, SignalMessage message)
    {
        Span<byte> plaintext = stackalloc byte[SignalMessage.MaxSize];
        int length = SignalMessage.Write(message, plaintext);
        return TrySendSealed(session, PacketType.Control, plaintext[..length]);
    }

    internal bool TrySendReport(SecureSession session, in ReceiverReport report)
    {
        Span<byte> plaintext = stackalloc byte[ReceiverReport.Size];
        ReceiverReport.Write(report, plaintext);
        return TrySendSealed(session, PacketType.Control, plaintext);
    }

    /// <summary>Forgets a session and zeroes its keys. Idempotent.</summary>
    internal void Remove(SecureSession session)
    {
        if (session.State == SessionState.Closed)
        {
            return;
        }

        session.State = SessionState.Closed;
        if (_established.TryGetValue(session.Remote, out var e) && ReferenceEquals(e, session))
        {
            _established.Remove(session.Remote);
        }

        if (_dialing.TryGetValue(session.Remote, out var d) && ReferenceEquals(d, session))
        {
            _dialing.Remove(session.Remote);
        }

        _all.Remove(session);
        session.Keys?.Dispose();
        session.Keys = null;
        session.PreviousKeys?.Dispose();
        session.PreviousKeys = null;
        session.Handshake?.Dispose();
        session.Handshake = null;
        session.ConfirmToResend = null;
    }

    private void Fail(SecureSession session, SessionFailure failure, string message)
    {
        if (session.State == SessionState.Closed)
        {
            return;
        }

        if (session.State == SessionState.Handshaking)
        {
            Counters.HandshakeFailed();
        }

        Remove(session);
        _observer.OnSessionFailed(session, failure, message);
    }

    private void FailUnstarted(SecureSession session, SessionFailure failure, string message)
    {
        session.State = SessionState.Closed;
        Counters.HandshakeFailed();
        _observer.OnSessionFailed(session, failure, message);
    }

    private void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to) => _sender.Send(datagram, to);

    private bool Elapsed(long since, long now, TimeSpan span) => _time.GetElapsedTime(since, now) >= span;

    private static bool Same(byte[]? stored, ReadOnlySpan<byte> datagram) =>
        stored is not null && datagram.SequenceEqual(stored);
}
