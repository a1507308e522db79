using PicoTalk.Protocol.Session;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class ReceiverReportTests
{
    private static readonly ReceiverReport Sample = new(
        FractionLost: 25,
        CumulativeLost: -3,
        ExtendedHighestSequence: 0x0001_2345,
        JitterMicroseconds: 2_500,
        SenderTime: 0x1234_5678,
        EchoTime: 0x1234_0000,
        EchoDelay: 0x0000_8000,
        PlayoutDelayMicroseconds: 40_000);

    private static readonly byte[] SampleBytes =
    [
        0x08, 0x01, 0x19, 0x00, // kind 8, version 1, fraction lost 25/256, reserved
        0xff, 0xff, 0xff, 0xfd, // cumulative lost -3
        0x00, 0x01, 0x23, 0x45, // extended highest sequence
        0x00, 0x00, 0x09, 0xc4, // jitter 2500 us
        0x12, 0x34, 0x56, 0x78, // sender time
        0x12, 0x34, 0x00, 0x00, // echo time (LSR)
        0x00, 0x00, 0x80, 0x00, // echo delay (DLSR) 0.5 s
        0x00, 0x00, 0x9c, 0x40, // playout delay 40000 us
    ];

    private static byte[] Encode(in ReceiverReport report)
    {
        var buffer = new byte[ReceiverReport.Size];
        Assert.Equal(ReceiverReport.Size, ReceiverReport.Write(report, buffer));
        return buffer;
    }

    [Fact]
    public void Golden_bytes()
    {
        Assert.Equal(32, ReceiverReport.Size);
        Assert.Equal(SampleBytes, Encode(Sample));
        Assert.True(ReceiverReport.TryRead(SampleBytes, out var read));
        Assert.Equal(Sample, read);
    }

    [Fact]
    public void Kind_is_no_signal_kind_and_signals_refuse_it()
    {
        // Reports and signals share the Control stream's kind byte: 8 sits between the call signals
        // (0-7) and the door signals (9, 10), and no signal may take it.
        Assert.DoesNotContain(Enum.GetValues<SignalKind>(), k => (byte)k == ReceiverReport.Kind);
        Assert.False(SignalMessage.IsKnownKind((SignalKind)ReceiverReport.Kind));
        Assert.False(SignalMessage.TryRead(SampleBytes, out _));
    }

    [Fact]
    public void Round_trips_random_reports()
    {
        var random = new Random(8);
        for (int i = 0; i < 1000; i++)
        {
            var report = new ReceiverReport(
                (byte)random.Next(256),
                random.Next(int.MinValue, int.MaxValue),
                (uint)random.NextInt64(0, 1L << 32),
                (uint)random.NextInt64(0, 1L << 32),
                (uint)random.NextInt64(0, 1L << 32),
                (uint)random.NextInt64(0, 1L << 32),
                (uint)random.NextInt64(0, 1L << 32),
                (uint)random.NextInt64(0, 1L << 32));
            Assert.True(ReceiverReport.TryRead(Encode(report), out var read));
            Assert.Equal(report, read);
        }
    }

    [Fact]
    public void Refuses_every_wrong_size()
    {
        var longer = new byte[ReceiverReport.Size + 64];
        SampleBytes.CopyTo(longer, 0);
        for (int length = 0; length <= longer.Length; length++)
        {
            Assert.Equal(length == ReceiverReport.Size, ReceiverReport.TryRead(longer.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Refuses_other_kinds_versions_and_a_nonzero_reserved_byte()
    {
        for (int value = 0; value < 256; value++)
        {
            byte[] bytes = (byte[])SampleBytes.Clone();
            bytes[ReceiverReport.KindOffset] = (byte)value;
            Assert.Equal(value == 8, ReceiverReport.TryRead(bytes, out _));

            bytes = (byte[])SampleBytes.Clone();
            bytes[ReceiverReport.VersionOffset] = (byte)value;
            Assert.Equal(value == 1, ReceiverReport.TryRead(bytes, out _));

            bytes = (byte[])SampleBytes.Clone();
            bytes[ReceiverReport.ReservedOffset] = (byte)value;
            Assert.Equal(value == 0, ReceiverReport.TryRead(bytes, out _));
        }
    }

    public static TheoryData<ReceiverReport, int, string> Boundaries() => new()
    {
        // a report with one field at a boundary, that field's offset, its big-endian bytes
        { new ReceiverReport { FractionLost = 255 }, 2, "ff" },
        { new ReceiverReport { FractionLost = 1 }, 2, "01" },
        { new ReceiverReport { CumulativeLost = int.MaxValue }, 4, "7fffffff" },
        { new ReceiverReport { CumulativeLost = int.MinValue }, 4, "80000000" },
        { new ReceiverReport { CumulativeLost = -1 }, 4, "ffffffff" },
        { new ReceiverReport { ExtendedHighestSequence = uint.MaxValue }, 8, "ffffffff" },
        { new ReceiverReport { ExtendedHighestSequence = 1 }, 8, "00000001" },
        { new ReceiverReport { JitterMicroseconds = uint.MaxValue }, 12, "ffffffff" },
        { new ReceiverReport { SenderTime = uint.MaxValue }, 16, "ffffffff" },
        { new ReceiverReport { EchoTime = uint.MaxValue }, 20, "ffffffff" },
        { new ReceiverReport { EchoDelay = uint.MaxValue }, 24, "ffffffff" },
        { new ReceiverReport { PlayoutDelayMicroseconds = uint.MaxValue }, 28, "ffffffff" },
        { new ReceiverReport { PlayoutDelayMicroseconds = 0x8000_0000 }, 28, "80000000" },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void Each_field_at_a_boundary_lands_at_its_offset_and_round_trips(ReceiverReport report, int offset, string fieldHex)
    {
        // The fixed header, zeros everywhere but the one field, and that field big-endian.
        var expected = new byte[ReceiverReport.Size];
        expected[0] = ReceiverReport.Kind;
        expected[1] = ReceiverReport.CurrentVersion;
        Convert.FromHexString(fieldHex).CopyTo(expected, offset);

        byte[] bytes = Encode(report);
        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(bytes));
        Assert.True(ReceiverReport.TryRead(bytes, out var read));
        Assert.Equal(report, read);
    }

    [Fact]
    public void Zero_report_round_trips()
    {
        byte[] bytes = Encode(default);
        Assert.Equal("0801" + new string('0', 60), Convert.ToHexStringLower(bytes));
        Assert.True(ReceiverReport.TryRead(bytes, out var read));
        Assert.Equal(default, read);
    }

    [Fact]
    public void Write_refuses_a_short_buffer_and_touches_nothing_past_the_report()
    {
        Assert.Throws<ArgumentException>(() => ReceiverReport.Write(Sample, new byte[ReceiverReport.Size - 1]));
        var big = new byte[ReceiverReport.Size + 8];
        big.AsSpan().Fill(0xee);
        Assert.Equal(ReceiverReport.Size, ReceiverReport.Write(Sample, big));
        Assert.Equal(SampleBytes, big[..ReceiverReport.Size]);
        Assert.All(big[ReceiverReport.Size..], b => Assert.Equal(0xee, b));
    }

    [Fact]
    public void Compact_time_is_16_16_seconds_truncated_and_wraps_every_65536_seconds()
    {
        Assert.Equal(0u, ReceiverReport.CompactTime(TimeSpan.Zero));
        Assert.Equal(0u, ReceiverReport.CompactTime(TimeSpan.FromTicks(152))); // 15.2 us < 1/65536 s (15.26 us)
        Assert.Equal(1u, ReceiverReport.CompactTime(TimeSpan.FromTicks(153)));
        Assert.Equal(0x0000_8000u, ReceiverReport.CompactTime(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0x0001_0000u, ReceiverReport.CompactTime(TimeSpan.FromSeconds(1)));
        Assert.Equal(0x0001_4000u, ReceiverReport.CompactTime(TimeSpan.FromMilliseconds(1250)));
        Assert.Equal(0xffff_ffffu, ReceiverReport.CompactTime(TimeSpan.FromSeconds(65536) - TimeSpan.FromTicks(1)));
        Assert.Equal(0u, ReceiverReport.CompactTime(TimeSpan.FromSeconds(65536)));
        Assert.Equal(0x0003_8000u, ReceiverReport.CompactTime(TimeSpan.FromSeconds(65536 + 3.5)));

        // 200 days of uptime: ticks * 65536 would overflow a long; the result is still exact modulo 2^32.
        var uptime = TimeSpan.FromDays(200) + TimeSpan.FromMilliseconds(250);
        uint expected = unchecked((uint)((long)uptime.TotalSeconds << 16) + 0x4000u);
        Assert.Equal(expected, ReceiverReport.CompactTime(uptime));

        Assert.Throws<ArgumentOutOfRangeException>(() => ReceiverReport.CompactTime(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void Round_trip_matches_the_rfc_3550_example()
    {
        // RFC 3550 §6.4.1, the figure under "DLSR": A = 0xb710:8000 (46864.500 s),
        // LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s): RTT = 0x0006:2000 = 6.125 s.
        Assert.Equal(6.125, ReceiverReport.RoundTripSeconds(0xb710_8000, 0xb705_2000, 0x0005_4000));
    }

    [Fact]
    public void Round_trip_wraps_around_2_to_the_32()
    {
        // Our clock wrapped between sending the report the peer echoes and receiving its answer.
        Assert.Equal(1.25, ReceiverReport.RoundTripSeconds(nowCompact: 0x0001_0000, echoTime: 0xffff_8000, echoDelay: 0x0000_4000));

        // Every offset of the clocks gives the same answer, the wrap included.
        var random = new Random(32);
        for (int i = 0; i < 10_000; i++)
        {
            var ourClock = TimeSpan.FromSeconds(random.Next(1, 200_000)) + TimeSpan.FromTicks(random.Next(10_000_000));
            var oneWayOut = TimeSpan.FromMilliseconds(random.Next(1, 400));
            var held = TimeSpan.FromMilliseconds(random.Next(0, 5_000));
            var oneWayBack = TimeSpan.FromMilliseconds(random.Next(1, 400));

            uint sent = ReceiverReport.CompactTime(ourClock);
            if (sent == 0)
            {
                continue; // reads as "no report": see CompactTime's remarks
            }

            uint arrived = ReceiverReport.CompactTime(ourClock + oneWayOut + held + oneWayBack);
            uint delay = ReceiverReport.CompactTime(held);
            double? rtt = ReceiverReport.RoundTripSeconds(arrived, sent, delay);
            Assert.NotNull(rtt);
            Assert.InRange(rtt.Value, (oneWayOut + oneWayBack).TotalSeconds - 2.0 / 65536, (oneWayOut + oneWayBack).TotalSeconds + 2.0 / 65536);
        }
    }

    [Fact]
    public void Round_trip_is_null_without_an_echo_or_when_implausible()
    {
        Assert.Null(ReceiverReport.RoundTripSeconds(0x0010_0000, echoTime: 0, echoDelay: 0));

        // DLSR larger than the time that passed: negative, wraps to about 18 hours.
        Assert.Null(ReceiverReport.RoundTripSeconds(0x0010_0000, 0x000f_0000, 0x0002_0000));

        // Exactly the limit is believed, one unit more is not.
        Assert.Equal(60.0, ReceiverReport.RoundTripSeconds(0x0050_0000 + (60u << 16), 0x0050_0000, 0));
        Assert.Null(ReceiverReport.RoundTripSeconds(0x0050_0000 + (60u << 16) + 1, 0x0050_0000, 0));

        Assert.Equal(0.0, ReceiverReport.RoundTripSeconds(0x1234_5678, 0x1234_0000, 0x5678));
    }

    [Fact]
    public void Fuzz_never_throws_and_re_encodes_what_it_accepts()
    {
        var random = new Random(3550);
        var buffer = new byte[ReceiverReport.Size];
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            byte[] input = Mutate(random, SampleBytes);
            if (ReceiverReport.TryRead(input, out var report))
            {
                accepted++;
                Assert.Equal(input, buffer[..ReceiverReport.Write(report, buffer)]);
            }

            _ = ReceiverReport.RoundTripSeconds((uint)random.NextInt64(1L << 32), (uint)random.NextInt64(1L << 32), (uint)random.NextInt64(1L << 32));
        }

        Assert.True(accepted > 10_000, $"only {accepted} mutants parsed: the mutator is too destructive");
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] input;
        switch (random.Next(5))
        {
            case 0:
                return Mutations.FlipBits(random, valid);
            case 1:
                return Mutations.Truncate(random, valid);
            case 2:
                return Mutations.Extend(random, valid);
            case 3:
                // The payload rewritten, the header kept: most of these parse and must round trip.
                input = (byte[])valid.Clone();
                random.NextBytes(input.AsSpan(ReceiverReport.CumulativeLostOffset));
                return input;
            default:
                input = new byte[random.Next(2) == 0 ? valid.Length : random.Next(0, 100)];
                random.NextBytes(input);
                if (input.Length > 0 && random.Next(2) == 0)
                {
                    input[0] = ReceiverReport.Kind;
                }

                return input;
        }
    }
}
