namespace PicoTalk.Protocol.Media;

/// <summary>
/// RFC 3550's receiver statistics for one media stream: packets expected and lost (Appendix A.3),
/// the fraction lost since the last report (§6.4.1) and the interarrival jitter (§6.4.1, A.8).
/// Our sequence numbers are 32 bits (DESIGN.md "Session layer"), so the extended highest
/// sequence number is just the highest one seen, compared in serial-number arithmetic (RFC 1982).
/// Media packets carry no timestamp: a packet's send time is its sequence number times the frame
/// duration, exact because the sender sends one frame per period with no DTX. Not thread-safe.
/// </summary>
public sealed class ReceptionStatistics
{
    private readonly int _frameSamples;
    private bool _started;
    private bool _jumped;
    private uint _base;
    private uint _highest;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private double _jitter; // in samples at 48 kHz, RFC 3550 A.8's J scaled by 1 (not 16)

    public ReceptionStatistics(int frameSamples)
    {
        _frameSamples = frameSamples;
    }

    /// <summary>Highest sequence number received (RFC 3550: extended highest sequence number).</summary>
    public uint HighestSequence => _highest;

    /// <summary>Packets received, each sequence number counted once (a duplicate is not a packet more).</summary>
    public long Received => _received;

    /// <summary>highest - first + 1 (RFC 3550 A.3).</summary>
    public long Expected => _started ? (long)unchecked(_highest - _base) + 1 : 0;

    /// <summary>Expected minus received; not below zero.</summary>
    public long CumulativeLost => Math.Max(0, Expected - _received);

    /// <summary>Interarrival jitter in milliseconds.</summary>
    public double JitterMilliseconds => _jitter * 1000.0 / MediaConstants.SampleRate;

    /// <summary>Counts one packet that was not a duplicate, arriving at <paramref name="arrivalSamples"/>
    /// (the receiver's clock in 48 kHz samples).</summary>
    public void OnPacket(uint sequence, long arrivalSamples)
    {
        long sent = (long)sequence * _frameSamples;
        long transit = arrivalSamples - sent;
        if (!_started)
        {
            _started = true;
            _base = _highest = sequence;
            _lastTransit = transit;
        }
        else
        {
            if (unchecked((int)(sequence - _highest)) > 0)
            {
                _highest = sequence;
            }
            else if (unchecked((int)(sequence - _base)) < 0)
            {
                // Reordered ahead of the first packet: the stream began earlier.
                _base = sequence;
            }

            // A.8: D(i-1, i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16. The 32-bit sequence wraps
            // after 2.7 years of 20 ms frames; a wrap only costs one large D.
            long d = Math.Abs(transit - _lastTransit);
            _lastTransit = transit;
            if (!_jumped)
            {
                _jitter += (d - _jitter) / 16.0;
            }

            _jumped = false;
        }

        _received++;
    }

    /// <summary>
    /// The fraction lost since the previous call, as RFC 3550 §6.4.1's 8-bit fixed point
    /// (lost / expected * 256, 0 when none or when duplicates outnumber losses), and starts the next interval.
    /// </summary>
    public byte TakeFractionLost()
    {
        long expected = Expected;
        long expectedInterval = expected - _expectedPrior;
        long receivedInterval = _received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = _received;
        long lostInterval = expectedInterval - receivedInterval;
        return expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
    }

    /// <summary>The sender's sequence jumped far ahead (a restart): the numbers skipped are not losses.</summary>
    public void OnJump(uint sequence)
    {
        if (_started)
        {
            _base = unchecked(_base + (sequence - _highest - 1));
            _highest = unchecked(sequence - 1);
            _jumped = true;
        }
    }
}
