using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Media;

/// <summary>
/// Both halves of one call's media feedback (the role RTCP receiver reports play for RTP, RFC 3550
/// §6.4): what we tell the peer about the packets we receive, and what we do with what the peer
/// tells us about ours.
/// <code>
///  every second:  ReceiveStream statistics ─▶ CreateReport ─▶ sealed Control packet ─▶ peer
///  on a report:   peer's report ─▶ OnReport ─▶ round trip (LSR/DLSR, §6.4.1)
///                                          └─▶ BitrateController ─▶ Opus bitrate, FEC, expected loss
/// </code>
/// Both ends send reports, so each one's report carries the echo of the other's last one and each
/// end measures the round trip on its own clock. Pure logic over times passed in; one thread (the
/// event loop); nothing allocated per report.
/// </summary>
public sealed class MediaFeedback
{
    /// <summary>Weight of a new round-trip sample: 1/8, as TCP's smoothed RTT (RFC 6298 §2).</summary>
    private const double RoundTripGain = 1.0 / 8;

    private readonly BitrateController _bitrate;
    private uint _peerSenderTime; // SenderTime of the peer's last report; 0 = none yet
    private TimeSpan _peerReportArrival;
    private double _roundTripSeconds = double.NaN;

    public MediaFeedback(BitrateSettings settings, TimeSpan now)
    {
        _bitrate = new BitrateController(settings, now);
    }

    /// <summary>What the encoder should run at now.</summary>
    public EncoderTarget Target => _bitrate.Target;

    /// <summary>Smoothed round trip in milliseconds, once the peer has echoed one of our reports.</summary>
    public int? RoundTripMilliseconds => double.IsNaN(_roundTripSeconds) ? null : (int)Math.Round(_roundTripSeconds * 1000);

    /// <summary>Reports received from the peer, and those refused as implausible (a round trip that
    /// would be negative or over a minute, from a clock jump or a forged echo).</summary>
    public long ReportsReceived { get; private set; }

    /// <summary>Loss the peer last reported for our packets, 0 to 1 (RFC 3550 fraction lost).</summary>
    public double PeerLoss { get; private set; }

    /// <summary>Interarrival jitter the peer last reported for our packets, in milliseconds.</summary>
    public double PeerJitterMilliseconds { get; private set; }

    /// <summary>The peer's jitter buffer delay, from its last report.</summary>
    public int PeerPlayoutDelayMilliseconds { get; private set; }

    /// <summary>
    /// The report to send now about the packets we receive.
    /// </summary>
    /// <param name="fractionLost">From <see cref="ReceiveStream.TakeFractionLost"/> (since the previous report).</param>
    public ReceiverReport CreateReport(byte fractionLost, in MediaStats received, TimeSpan now)
    {
        uint echoDelay = _peerSenderTime == 0 ? 0 : ReceiverReport.CompactTime(now - _peerReportArrival);
        long cumulative = Math.Clamp(received.CumulativeLost, int.MinValue, int.MaxValue);
        double jitterMicroseconds = Math.Clamp(received.JitterMilliseconds * 1000, 0, uint.MaxValue);
        return new ReceiverReport(
            fractionLost,
            (int)cumulative,
            received.HighestSequence,
            (uint)jitterMicroseconds,
            SenderTime(now),
            _peerSenderTime,
            echoDelay,
            (uint)Math.Max(0, received.DelayMilliseconds) * 1000);
    }

    /// <summary>
    /// The peer's report: updates the round trip and the encoder target.
    /// </summary>
    /// <returns>True when <see cref="Target"/> changed and the encoder should be retuned.</returns>
    public bool OnReport(in ReceiverReport report, TimeSpan now)
    {
        ReportsReceived++;
        _peerSenderTime = report.SenderTime;
        _peerReportArrival = now;
        PeerLoss = report.FractionLost / 256.0;
        PeerJitterMilliseconds = report.JitterMicroseconds / 1000.0;
        PeerPlayoutDelayMilliseconds = (int)Math.Min(report.PlayoutDelayMicroseconds / 1000, int.MaxValue);
        if (ReceiverReport.RoundTripSeconds(SenderTime(now), report.EchoTime, report.EchoDelay) is { } rtt)
        {
            _roundTripSeconds = double.IsNaN(_roundTripSeconds) ? rtt : _roundTripSeconds + (rtt - _roundTripSeconds) * RoundTripGain;
        }

        return _bitrate.OnReport(report, now);
    }

    /// <summary>Our clock in the reports' 16.16 form; never 0, which means "no report" in an echo (§6.4.1).</summary>
    private static uint SenderTime(TimeSpan now)
    {
        uint compact = ReceiverReport.CompactTime(now);
        return compact == 0 ? 1 : compact;
    }
}
