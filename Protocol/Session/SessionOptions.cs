namespace PicoTalk.Protocol.Session;

/// <summary>
/// Timers and bounds of the session layer. Init-only; each setter refuses a nonsensical value with
/// a clear error. Defaults suit an intercom on a LAN or the Internet.
/// </summary>
public sealed class SessionOptions
{
    private TimeSpan _handshakeRetransmit = TimeSpan.FromMilliseconds(250);
    private TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _pendingTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _keepaliveInterval = TimeSpan.FromSeconds(1);
    private TimeSpan _silenceTimeout = TimeSpan.FromSeconds(6);
    private TimeSpan _rekeyGrace = TimeSpan.FromSeconds(2);
    private uint _rekeyAfterPackets = 1u << 31;
    private uint _sequenceLimit = 0xFFFF_FF00;
    private int _maxPendingHandshakes = 64;
    private int _maxSessions = 16;
    private double _keyRequestsPerSecondPerSource = 4;
    private int _keyRequestBurst = 8;
    private int _maxRateLimitSources = 1024;
    private int _maxDatagram = 1500;

    /// <summary>Resend period of an unanswered KeyRequest or an unacknowledged KeyConfirm.</summary>
    public TimeSpan HandshakeRetransmit { get => _handshakeRetransmit; init => _handshakeRetransmit = Positive(value); }

    /// <summary>An outgoing handshake gives up after this long (OnSessionFailed HandshakeTimeout).</summary>
    public TimeSpan HandshakeTimeout { get => _handshakeTimeout; init => _handshakeTimeout = Positive(value); }

    /// <summary>A responder forgets a half-open handshake (no KeyConfirm) after this long.</summary>
    public TimeSpan PendingTimeout { get => _pendingTimeout; init => _pendingTimeout = Positive(value); }

    /// <summary>An established session sends a Keepalive when it sent nothing for this long (NAT bindings).</summary>
    public TimeSpan KeepaliveInterval { get => _keepaliveInterval; init => _keepaliveInterval = Positive(value); }

    /// <summary>An established session fails (PeerSilent) when nothing authenticated arrived for this long.</summary>
    public TimeSpan SilenceTimeout { get => _silenceTimeout; init => _silenceTimeout = Positive(value); }

    /// <summary>How long the previous keys still open packets in flight after a rekey.</summary>
    public TimeSpan RekeyGrace { get => _rekeyGrace; init => _rekeyGrace = Positive(value); }

    /// <summary>The initiator starts a rekey handshake when any stream's sequence reaches this.</summary>
    public uint RekeyAfterPackets
    {
        get => _rekeyAfterPackets;
        init => _rekeyAfterPackets = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(RekeyAfterPackets), "must be at least 1");
    }

    /// <summary>Sealing is refused once a stream's sequence reaches this; must exceed <see cref="RekeyAfterPackets"/>.</summary>
    public uint SequenceLimit
    {
        get => _sequenceLimit;
        init => _sequenceLimit = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SequenceLimit), "must be at least 1");
    }

    public int MaxPendingHandshakes { get => _maxPendingHandshakes; init => _maxPendingHandshakes = AtLeastOne(value); }

    /// <summary>Established plus dialing sessions.</summary>
    public int MaxSessions { get => _maxSessions; init => _maxSessions = AtLeastOne(value); }

    /// <summary>Token bucket refill rate of KeyRequests per source address.</summary>
    public double KeyRequestsPerSecondPerSource
    {
        get => _keyRequestsPerSecondPerSource;
        init => _keyRequestsPerSecondPerSource = value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(KeyRequestsPerSecondPerSource), "must be a positive number");
    }

    /// <summary>Token bucket depth per source address.</summary>
    public int KeyRequestBurst { get => _keyRequestBurst; init => _keyRequestBurst = AtLeastOne(value); }

    /// <summary>Bound of the per-source rate limit table.</summary>
    public int MaxRateLimitSources { get => _maxRateLimitSources; init => _maxRateLimitSources = AtLeastOne(value); }

    /// <summary>Largest datagram sent or accepted (a packet of 13 bytes overhead plus payload).</summary>
    public int MaxDatagram
    {
        get => _maxDatagram;
        init => _maxDatagram = value is >= 576 and <= 65507
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDatagram), "must be 576..65507 (RFC 791 minimum to the UDP maximum)");
    }

    /// <summary>Checks the rules that span two options; the session layer calls it.</summary>
    public void Validate()
    {
        if (RekeyAfterPackets >= SequenceLimit)
        {
            throw new ArgumentException(
                $"RekeyAfterPackets ({RekeyAfterPackets}) must be below SequenceLimit ({SequenceLimit}), or the session would stall before rekeying");
        }

        if (KeepaliveInterval >= SilenceTimeout)
        {
            throw new ArgumentException(
                $"KeepaliveInterval ({KeepaliveInterval}) must be shorter than SilenceTimeout ({SilenceTimeout})");
        }
    }

    private static TimeSpan Positive(TimeSpan value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "must be positive");

    private static int AtLeastOne(int value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, "must be at least 1");
}
