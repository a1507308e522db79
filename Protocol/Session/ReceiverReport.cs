using System.Buffers.Binary;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// What a receiver tells the sender about the media stream it gets: the plaintext of an encrypted
/// Control packet whose first byte is <see cref="Kind"/> (8; <c>SignalKind</c> holds 0..7).
/// Modelled on the RTCP receiver report block (RFC 3550 §6.4.1), with the loss and jitter fields
/// the sender's bitrate control reads (BitrateController) and a round-trip echo.
/// </summary>
/// <remarks>
/// <code>
///  0        1         2              3
/// +--------+---------+--------------+----------+
/// | kind=8 | version | fractionLost | reserved |   0
/// +--------+---------+--------------+----------+
/// |        cumulativeLost (int32)              |   4
/// +--------------------------------------------+
/// |        extendedHighestSequence (uint32)    |   8
/// +--------------------------------------------+
/// |        jitterMicroseconds (uint32)         |  12
/// +--------------------------------------------+
/// |        senderTime (uint32, 1/65536 s)      |  16
/// +--------------------------------------------+
/// |        echoTime (uint32, 1/65536 s)  = LSR |  20
/// +--------------------------------------------+
/// |        echoDelay (uint32, 1/65536 s) = DLSR|  24
/// +--------------------------------------------+
/// |        playoutDelayMicroseconds (uint32)   |  28
/// +--------------------------------------------+  32
/// </code>
/// All fields big-endian; version 1; reserved 0. The size is fixed: <see cref="TryRead"/> refuses
/// any other length, another kind, an unknown version and a nonzero reserved byte, so a later
/// version must take a new version number (and old peers drop it, as they drop unknown signals).
/// <para>
/// Differences from RFC 3550 §6.4.1, and why: cumulative loss is 32 bits, not 24 (a field this
/// size costs one byte and never saturates in a call); jitter is in microseconds rather than
/// timestamp units, because the Opus RTP clock (48 kHz) is not on our wire and the consumer wants
/// time; the times are the "middle 32 bits of NTP" form of §4 (16.16 fixed-point seconds), taken
/// from each reporter's own clock, so no clock synchronisation is needed (§6.4.1, "A - LSR - DLSR").
/// </para>
/// </remarks>
/// <param name="FractionLost">
/// Packets lost since the previous report, over packets expected in that interval, in 1/256
/// (RFC 3550 §6.4.1 "fraction lost"; 0 when duplicates make the count negative, A.3).
/// </param>
/// <param name="CumulativeLost">Expected minus received since the start; negative when duplicates arrived (RFC 3550 §6.4.1).</param>
/// <param name="ExtendedHighestSequence">Highest media sequence received (RFC 3550 §6.4.1; our sequences are already 32 bits).</param>
/// <param name="JitterMicroseconds">Interarrival jitter estimate, RFC 3550 §6.4.1 and A.8 (J += (|D| - J) / 16).</param>
/// <param name="SenderTime">The reporter's clock when it sent this report, 1/65536 s (<see cref="CompactTime"/>).</param>
/// <param name="EchoTime">The <see cref="SenderTime"/> of the last report received from the peer; 0 if none (LSR).</param>
/// <param name="EchoDelay">Time from that report's arrival to sending this one, 1/65536 s (DLSR).</param>
/// <param name="PlayoutDelayMicroseconds">The reporter's jitter buffer delay, for the mouth-to-ear estimate.</param>
public readonly record struct ReceiverReport(
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint JitterMicroseconds,
    uint SenderTime,
    uint EchoTime,
    uint EchoDelay,
    uint PlayoutDelayMicroseconds)
{
    /// <summary>First plaintext byte of a Control packet carrying a report (after SignalKind 0..7).</summary>
    public const byte Kind = 8;

    /// <summary>The only layout defined so far.</summary>
    public const byte CurrentVersion = 1;

    public const int KindOffset = 0;
    public const int VersionOffset = 1;
    public const int FractionLostOffset = 2;
    public const int ReservedOffset = 3;
    public const int CumulativeLostOffset = 4;
    public const int ExtendedHighestSequenceOffset = 8;
    public const int JitterOffset = 12;
    public const int SenderTimeOffset = 16;
    public const int EchoTimeOffset = 20;
    public const int EchoDelayOffset = 24;
    public const int PlayoutDelayOffset = 28;

    /// <summary>Bytes of a report: every field is fixed size.</summary>
    public const int Size = 32;

    /// <summary>Compact time units per second: 16.16 fixed point (RFC 3550 §4, "middle 32 bits").</summary>
    public const int CompactUnitsPerSecond = 65_536;

    /// <summary>
    /// Longest round trip believed (our choice). A - LSR - DLSR is computed modulo 2^32, so a
    /// negative result (a peer that lies about DLSR, or clocks that jumped) shows up as a value
    /// near 2^32 / 65536 s = 18 hours; anything over a minute is not a network round trip.
    /// </summary>
    public static readonly TimeSpan MaxPlausibleRoundTrip = TimeSpan.FromSeconds(60);

    /// <summary>Reads a report; false for any length but <see cref="Size"/>, another kind, an unknown version or a nonzero reserved byte.</summary>
    public static bool TryRead(ReadOnlySpan<byte> plaintext, out ReceiverReport report)
    {
        report = default;
        if (plaintext.Length != Size
            || plaintext[KindOffset] != Kind
            || plaintext[VersionOffset] != CurrentVersion
            || plaintext[ReservedOffset] != 0)
        {
            return false;
        }

        report = new ReceiverReport(
            plaintext[FractionLostOffset],
            BinaryPrimitives.ReadInt32BigEndian(plaintext[CumulativeLostOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[ExtendedHighestSequenceOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[JitterOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[SenderTimeOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[EchoTimeOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[EchoDelayOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(plaintext[PlayoutDelayOffset..]));
        return true;
    }

    /// <summary>Writes the <see cref="Size"/> bytes of <paramref name="report"/>; returns <see cref="Size"/>. Throws if the destination is shorter.</summary>
    public static int Write(in ReceiverReport report, Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a receiver report needs {Size} bytes", nameof(destination));
        }

        destination[KindOffset] = Kind;
        destination[VersionOffset] = CurrentVersion;
        destination[FractionLostOffset] = report.FractionLost;
        destination[ReservedOffset] = 0;
        BinaryPrimitives.WriteInt32BigEndian(destination[CumulativeLostOffset..], report.CumulativeLost);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ExtendedHighestSequenceOffset..], report.ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[JitterOffset..], report.JitterMicroseconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SenderTimeOffset..], report.SenderTime);
        BinaryPrimitives.WriteUInt32BigEndian(destination[EchoTimeOffset..], report.EchoTime);
        BinaryPrimitives.WriteUInt32BigEndian(destination[EchoDelayOffset..], report.EchoDelay);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PlayoutDelayOffset..], report.PlayoutDelayMicroseconds);
        return Size;
    }

    /// <summary>
    /// A clock reading in the compact form of RFC 3550 §4 (the middle 32 bits of an NTP timestamp:
    /// 16 bits of seconds, 16 of fraction), truncated, modulo 2^32 (it wraps every 18.2 hours,
    /// which the modular arithmetic of <see cref="RoundTripSeconds"/> absorbs).
    /// </summary>
    /// <remarks>
    /// Feed it a monotonic clock that is not near zero when reports start (for example time since
    /// boot, not time since the call began): a <see cref="SenderTime"/> of 0 echoes back as
    /// "no report received" (RFC 3550 §6.4.1 gives LSR = 0 the same meaning).
    /// </remarks>
    public static uint CompactTime(TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, TimeSpan.Zero);

        // Seconds and fraction apart: ticks * 65536 would overflow a long after 162 days of uptime.
        long seconds = elapsed.Ticks / TimeSpan.TicksPerSecond;
        long fractionTicks = elapsed.Ticks % TimeSpan.TicksPerSecond;
        return unchecked((uint)(seconds << 16) + (uint)(fractionTicks * CompactUnitsPerSecond / TimeSpan.TicksPerSecond));
    }

    /// <summary>
    /// The round trip from a report the peer echoed (RFC 3550 §6.4.1): RTT = A - LSR - DLSR modulo
    /// 2^32, with A = <paramref name="nowCompact"/> the arrival time of the peer's report on our clock,
    /// LSR = its <see cref="EchoTime"/> and DLSR = its <see cref="EchoDelay"/>. Null when the peer
    /// has not received a report from us yet (echo time 0) or the result is over
    /// <see cref="MaxPlausibleRoundTrip"/> (a negative difference wraps to about 18 hours).
    /// </summary>
    public static double? RoundTripSeconds(uint nowCompact, uint echoTime, uint echoDelay)
    {
        if (echoTime == 0)
        {
            return null;
        }

        uint roundTrip = unchecked(nowCompact - echoTime - echoDelay);
        if (roundTrip > (uint)(MaxPlausibleRoundTrip.TotalSeconds * CompactUnitsPerSecond))
        {
            return null;
        }

        return roundTrip / (double)CompactUnitsPerSecond;
    }
}
