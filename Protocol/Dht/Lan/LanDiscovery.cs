using System.Net;
using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>
/// BEP 14 (Local Service Discovery) for PicoTalk appliances, without sockets: it says when to announce,
/// writes the announce, and turns received datagrams into DHT nodes to ping (DESIGN.md "DHT": LAN
/// discovery with no bootstrap and no internet). A socket adapter (Service's LanDiscoverySocket) sends
/// and receives.
/// </summary>
/// <remarks>
/// Announce schedule, offsets from <see cref="Start"/> (defaults of <see cref="LanDiscoveryLimits"/>):
/// <code>
///  0 s   1 s   3 s            5 min            10 min   ...
///  |     |     |                |                |
///  A     A     A                A                A        A = announceDue()
///  \___ start burst ___/        \__ BEP 14 "Usage": every 5 minutes __/
/// </code>
/// Offsets count from start, so a late timer does not drift the schedule; slots missed while the
/// machine was suspended are skipped, not replayed. Thread-safe: the timer fires on a pool thread and
/// <see cref="Receive"/> runs on the socket's receive thread.
/// </remarks>
public sealed class LanDiscovery : IDisposable
{
    private const int CookieBytes = 8;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly LanDiscoveryLimits _limits;
    private readonly LanReportLimiter _limiter;
    private ITimer? _timer;
    private Action? _announceDue;
    private long _startedAt;
    private int _nextSlot;
    private bool _disposed;

    /// <param name="time">Clock for the schedule and the rate limits.</param>
    /// <param name="self">Our DHT node ID, sent as X-PicoTalk-Id and used to spot our own echoes.</param>
    /// <param name="port">Our DHT's UDP port, sent as BEP 14's Port header.</param>
    /// <param name="cookie">Per-process random value (see <see cref="NewCookie"/>), BEP 14 "cookie".</param>
    /// <param name="limits">Timing and bounds; the defaults follow BEP 14 "Usage".</param>
    public LanDiscovery(TimeProvider time, NodeId self, ushort port, string cookie, LanDiscoveryLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(cookie);
        if (port == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(port), "LAN discovery announces the DHT's bound UDP port, which cannot be 0");
        }

        if (!LsdMessage.IsValidCookie(cookie))
        {
            throw new ArgumentException(
                $"a cookie is 1..{LsdPicoTalk.MaxCookieLength} visible ASCII characters, got '{cookie}'", nameof(cookie));
        }

        _time = time;
        _limits = limits ?? new LanDiscoveryLimits();
        _limits.Validate();
        _limiter = new LanReportLimiter(time, _limits);
        Self = self;
        Port = port;
        Cookie = cookie;
    }

    public NodeId Self { get; }

    public ushort Port { get; }

    public string Cookie { get; }

    public LanDiscoveryCounters Counters { get; } = new();

    /// <summary>Senders the rate limiter remembers (at most <see cref="LanDiscoveryLimits.MaxSources"/>).</summary>
    public int TrackedSources
    {
        get
        {
            lock (_gate)
            {
                return _limiter.Count;
            }
        }
    }

    /// <summary>A fresh per-process cookie: 16 hex digits from the system's CSPRNG.</summary>
    public static string NewCookie()
    {
        Span<byte> bytes = stackalloc byte[CookieBytes];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>
    /// Starts the schedule: <paramref name="announceDue"/> runs at each announce time, on the
    /// <see cref="TimeProvider"/>'s timer thread; it should call <see cref="WriteAnnounce"/> for each
    /// group and send. Once only.
    /// </summary>
    public void Start(Action announceDue)
    {
        ArgumentNullException.ThrowIfNull(announceDue);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_timer is not null)
            {
                throw new InvalidOperationException("LAN discovery is already started");
            }

            _announceDue = announceDue;
            _startedAt = _time.GetTimestamp();
            _nextSlot = 0;
            // Created under the lock: a due-now timer that fires at once waits here until _timer is set.
            _timer = _time.CreateTimer(static state => ((LanDiscovery)state!).OnTimer(), this, SlotOffset(0), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Writes our announce addressed to <paramref name="host"/> (<see cref="LsdSpec.IPv4Host"/> or
    /// <see cref="LsdSpec.IPv6Host"/>); returns its length. Throws if the destination is too small
    /// (<see cref="LsdSpec.MaxDatagram"/> always suffices).</summary>
    public int WriteAnnounce(string host, Span<byte> destination)
    {
        var message = new LsdMessage(host, Port, [LsdPicoTalk.Infohash], Cookie, Self);
        return LsdMessage.Write(message, destination);
    }

    /// <summary>
    /// Handles one datagram received on a discovery socket from <paramref name="source"/>. On
    /// <see cref="LanReceiveResult.Reported"/>, <paramref name="peer"/> is the DHT node to ping: BEP 14
    /// "Usage" says the contact address is the UDP source address, with the announced port. Never throws
    /// for any datagram; every outcome is counted in <see cref="Counters"/>.
    /// </summary>
    public LanReceiveResult Receive(ReadOnlySpan<byte> datagram, PeerEndpoint source, out LanPeer peer)
    {
        var result = Classify(datagram, source, out peer);
        Counters.Count(result);
        return result;
    }

    private LanReceiveResult Classify(ReadOnlySpan<byte> datagram, PeerEndpoint source, out LanPeer peer)
    {
        peer = default;
        if (!LsdMessage.TryRead(datagram, out var message))
        {
            return LanReceiveResult.Malformed;
        }

        if (string.Equals(message.Cookie, Cookie, StringComparison.Ordinal) || message.PicoTalkId == Self)
        {
            return LanReceiveResult.OwnEcho;
        }

        if (!message.Announces(LsdPicoTalk.Infohash))
        {
            return LanReceiveResult.OtherInfohash;
        }

        var from = source.ToIPEndPoint();
        var node = PeerEndpoint.FromIPEndPoint(new IPEndPoint(from.Address, message.Port));
        lock (_gate)
        {
            if (!_limiter.TryReport(node, message.PicoTalkId))
            {
                return LanReceiveResult.RateLimited;
            }
        }

        peer = new LanPeer(node, message.PicoTalkId);
        return LanReceiveResult.Reported;
    }

    private void OnTimer()
    {
        Action announce;
        lock (_gate)
        {
            if (_disposed || _timer is null || _announceDue is null)
            {
                return;
            }

            announce = _announceDue;
            var elapsed = _time.GetElapsedTime(_startedAt);
            // Skip slots already past (a suspended machine), then aim at the next one.
            _nextSlot++;
            while (SlotOffset(_nextSlot) <= elapsed)
            {
                _nextSlot++;
            }

            _timer.Change(SlotOffset(_nextSlot) - elapsed, Timeout.InfiniteTimeSpan);
        }

        Counters.CountAnnounce();
        announce();
    }

    /// <summary>When announce number <paramref name="slot"/> is due, counted from start.</summary>
    private TimeSpan SlotOffset(int slot)
    {
        var burst = _limits.StartBurst;
        return slot < burst.Count ? burst[slot] : _limits.AnnounceInterval * (slot - burst.Count + 1);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }
}
