using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Media;

public sealed class BitrateControllerTests
{
    /// <summary>An arbitrary monotonic instant: nothing may assume time starts at zero.</summary>
    private static readonly TimeSpan CallStart = TimeSpan.FromSeconds(86_400 * 3 + 1234.567);

    // Fractions as RFC 3550 A.3 computes them: floor(lost * 256 / expected).
    private const byte Clean = 0;
    private const byte FivePercent = 12;    // 4.69 %
    private const byte TwentyPercent = 51;  // 19.92 %
    private const double TwentyPercentLoss = TwentyPercent / 256.0;

    /// <summary>A controller and its clock; one report per interval.</summary>
    private sealed class Link(BitrateSettings? settings = null)
    {
        public TimeSpan Now { get; set; } = CallStart;

        public BitrateController Controller { get; } = new(settings ?? new BitrateSettings(), CallStart);

        public EncoderTarget Target => Controller.Target;

        public List<EncoderTarget> Report(byte fractionLost, int count = 1, double intervalSeconds = 1)
        {
            var targets = new List<EncoderTarget>(count);
            for (int i = 0; i < count; i++)
            {
                Now += TimeSpan.FromSeconds(intervalSeconds);
                Controller.OnReport(fractionLost, Now);
                targets.Add(Controller.Target);
            }

            return targets;
        }
    }

    private static int Grown(double from, double seconds) => (int)Math.Round(from * Math.Pow(1.05, seconds));

    [Fact]
    public void Starts_at_the_start_rate_with_fec_off()
    {
        var link = new Link(new BitrateSettings { StartBitsPerSecond = 48_000 });
        Assert.Equal(new EncoderTarget(48_000, false, 0), link.Target);
        Assert.False(link.Controller.Changed);
    }

    [Fact]
    public void Clean_link_ramps_up_five_percent_a_second_to_the_maximum_and_fec_stays_off()
    {
        var link = new Link();
        var targets = link.Report(Clean, count: 70);

        Assert.Equal(33_600, targets[0].BitsPerSecond);
        Assert.Equal(35_280, targets[1].BitsPerSecond);
        Assert.Equal(Grown(32_000, 30), targets[29].BitsPerSecond);

        // 32 kbit/s * 1.05^56 = 491 kbit/s, * 1.05^57 = 516: the maximum is reached at the 57th second, not before.
        Assert.Equal(Grown(32_000, 56), targets[55].BitsPerSecond);
        Assert.Equal(510_000, targets[56].BitsPerSecond);
        Assert.All(targets[56..], t => Assert.Equal(510_000, t.BitsPerSecond));
        Assert.All(targets, t => Assert.False(t.Fec));
        Assert.All(targets, t => Assert.Equal(0, t.ExpectedLossPercent));

        link.Report(Clean);
        Assert.False(link.Controller.Changed);
    }

    [Fact]
    public void Increase_is_per_second_of_clean_link_not_per_report()
    {
        var often = new Link();
        var seldom = new Link();
        often.Report(Clean, count: 20, intervalSeconds: 0.5);
        seldom.Report(Clean, count: 5, intervalSeconds: 2);

        Assert.Equal(Grown(32_000, 10), often.Target.BitsPerSecond, tolerance: 1);
        Assert.Equal(Grown(32_000, 10), seldom.Target.BitsPerSecond, tolerance: 1);
    }

    [Fact]
    public void Five_percent_loss_holds_the_rate_with_fec_on_and_expects_5_percent()
    {
        foreach (int start in new[] { 32_000, 100_000 })
        {
            var link = new Link(new BitrateSettings { StartBitsPerSecond = start });
            var targets = link.Report(FivePercent, count: 60);
            Assert.All(targets, t => Assert.Equal(new EncoderTarget(start, true, 5), t));
            Assert.False(link.Controller.Changed);
        }
    }

    [Fact]
    public void A_wobbling_loss_does_not_retune_the_encoder()
    {
        // 4.3 % and 5.1 % in turn: the smoothed loss moves every report, the whole percent does not.
        var link = new Link();
        link.Report(11);
        for (int i = 0; i < 60; i++)
        {
            link.Report(i % 2 == 0 ? (byte)13 : (byte)11);
            Assert.False(link.Controller.Changed, $"report {i}: {link.Target}, p = {link.Controller.SmoothedLoss}");
        }

        Assert.Equal(new EncoderTarget(32_000, true, 5), link.Target);
    }

    [Fact]
    public void Twenty_percent_loss_decreases_geometrically_down_to_the_fec_floor()
    {
        var link = new Link(new BitrateSettings { StartBitsPerSecond = 100_000 });
        var targets = link.Report(TwentyPercent, count: 40);

        // rate * (1 - 0.5 p) per report, p = 51/256.
        double factor = 1 - (0.5 * TwentyPercentLoss);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal((int)Math.Round(100_000 * Math.Pow(factor, i + 1)), targets[i].BitsPerSecond);
        }

        Assert.All(targets, t => Assert.True(t.BitsPerSecond >= BitrateController.FecFloorBitsPerSecond, t.ToString()));
        Assert.All(targets, t => Assert.True(t.Fec));
        Assert.All(targets, t => Assert.Equal(20, t.ExpectedLossPercent));
        Assert.Equal(BitrateController.FecFloorBitsPerSecond, targets[^1].BitsPerSecond);
        Assert.Equal(21_000, BitrateController.FecFloorBitsPerSecond);
    }

    [Fact]
    public void Heavy_loss_never_goes_below_the_minimum()
    {
        var link = new Link(new BitrateSettings { MinimumBitsPerSecond = 24_000, StartBitsPerSecond = 100_000 });
        var targets = link.Report(255, count: 40);
        Assert.All(targets, t => Assert.True(t.BitsPerSecond >= 24_000, t.ToString()));
        Assert.Equal(new EncoderTarget(24_000, true, BitrateController.MaxExpectedLossPercent), targets[^1]);
    }

    [Fact]
    public void The_fec_floor_lifts_a_low_rate_and_yields_to_the_maximum()
    {
        // FEC at 12 kbit/s would be FEC in name only: the rate rises to where libopus codes LBRR.
        var low = new Link(new BitrateSettings { StartBitsPerSecond = 12_000 });
        low.Report(FivePercent);
        Assert.Equal(new EncoderTarget(BitrateController.FecFloorBitsPerSecond, true, 5), low.Target);

        // A maximum below the floor wins: never above what the operator allowed.
        var capped = new Link(new BitrateSettings { MaximumBitsPerSecond = 16_000, StartBitsPerSecond = 16_000 });
        var targets = capped.Report(TwentyPercent, count: 20);
        Assert.All(targets, t => Assert.Equal(16_000, t.BitsPerSecond));
    }

    [Fact]
    public void Recovers_after_loss_ends()
    {
        var link = new Link(new BitrateSettings { StartBitsPerSecond = 100_000 });
        link.Report(TwentyPercent, count: 20);
        Assert.Equal(new EncoderTarget(21_000, true, 20), link.Target);

        // Clean from now on: p = 0.199 * 0.75^n. It stays at or above 2 % for seven reports (hold at
        // the floor), falls under 2 % at the eighth (increase), under 1 % at the eleventh (FEC off)
        // and under 0.1 % at the nineteenth (taken as zero).
        var targets = link.Report(Clean, count: 120);
        for (int n = 1; n <= 7; n++)
        {
            Assert.Equal(21_000, targets[n - 1].BitsPerSecond);
        }

        // One second's worth, not the eight seconds since the last increase.
        Assert.Equal(22_050, targets[7].BitsPerSecond);
        Assert.True(targets[9].Fec);
        Assert.False(targets[10].Fec);
        Assert.Equal(1, targets[17].ExpectedLossPercent);
        Assert.Equal(0, targets[18].ExpectedLossPercent);
        Assert.Equal(0.0, link.Controller.SmoothedLoss);
        Assert.Equal(new EncoderTarget(510_000, false, 0), targets[^1]);
    }

    [Theory]
    [InlineData(5, true, false)]   // 1.95 %: increase
    [InlineData(6, false, false)]  // 2.34 %: hold
    [InlineData(25, false, false)] // 9.77 %: hold
    [InlineData(26, false, true)]  // 10.16 %: decrease
    public void Thresholds_are_2_and_10_percent(byte fractionLost, bool increases, bool decreases)
    {
        var link = new Link(new BitrateSettings { StartBitsPerSecond = 100_000 });
        link.Report(fractionLost);
        Assert.Equal(increases, link.Target.BitsPerSecond > 100_000);
        Assert.Equal(decreases, link.Target.BitsPerSecond < 100_000);
    }

    [Theory]
    [InlineData(0, false, 0)]
    [InlineData(2, false, 1)]   // 0.78 %: FEC off, yet the encoder hears of the loss
    [InlineData(3, true, 2)]    // 1.17 %: FEC on
    [InlineData(12, true, 5)]   // 4.69 %
    [InlineData(13, true, 6)]   // 5.08 %: rounded up, not to nearest
    [InlineData(128, true, 50)] // 50 %
    [InlineData(255, true, 50)] // 99.6 %: clamped
    public void Fec_above_1_percent_and_expected_loss_rounded_up_and_clamped(byte fractionLost, bool fec, int percent)
    {
        var link = new Link();
        link.Report(fractionLost);
        Assert.Equal(fec, link.Target.Fec);
        Assert.Equal(percent, link.Target.ExpectedLossPercent);
    }

    [Fact]
    public void Expected_loss_is_not_pushed_up_by_binary_rounding()
    {
        // 0.07 * 100 is 7.000000000000001 in binary floating point: still 7, not 8.
        Assert.Equal(7, BitrateController.ExpectedLossPercent(0.07));
        Assert.Equal(8, BitrateController.ExpectedLossPercent(0.0701));
        Assert.Equal(0, BitrateController.ExpectedLossPercent(0));
    }

    [Fact]
    public void Stale_reports_hold_and_the_increase_resumes_from_the_next_timely_one()
    {
        var link = new Link();
        link.Report(Clean, count: 5);
        int before = link.Target.BitsPerSecond;
        Assert.Equal(Grown(32_000, 5), before);

        Assert.False(link.Controller.IsStale(link.Now + TimeSpan.FromSeconds(5)));
        Assert.True(link.Controller.IsStale(link.Now + TimeSpan.FromSeconds(5.001)));

        link.Report(Clean, intervalSeconds: 10);
        Assert.Equal(before, link.Target.BitsPerSecond);
        Assert.False(link.Controller.Changed);
        Assert.False(link.Controller.IsStale(link.Now));

        link.Report(Clean);
        Assert.Equal(Grown(before, 1), link.Target.BitsPerSecond, tolerance: 1);

        // Exactly five seconds is not stale yet: all five are paid out.
        int atFive = link.Target.BitsPerSecond;
        link.Report(Clean, intervalSeconds: 5);
        Assert.Equal(Grown(atFive, 5), link.Target.BitsPerSecond, tolerance: 1);
    }

    [Fact]
    public void A_first_report_long_after_the_start_holds()
    {
        var link = new Link();
        link.Report(Clean, intervalSeconds: 30);
        Assert.Equal(32_000, link.Target.BitsPerSecond);
        link.Report(Clean);
        Assert.Equal(33_600, link.Target.BitsPerSecond);
    }

    [Fact]
    public void A_stale_report_of_heavy_loss_still_decreases()
    {
        var link = new Link(new BitrateSettings { StartBitsPerSecond = 100_000 });
        link.Report(TwentyPercent, intervalSeconds: 30);
        Assert.Equal((int)Math.Round(100_000 * (1 - (0.5 * TwentyPercentLoss))), link.Target.BitsPerSecond);
    }

    [Fact]
    public void Round_trip_alone_does_not_change_the_bitrate()
    {
        var near = new BitrateController(new BitrateSettings(), CallStart);
        var far = new BitrateController(new BitrateSettings(), CallStart);
        var random = new Random(6);
        for (int i = 1; i <= 60; i++)
        {
            byte loss = (byte)random.Next(0, 40);
            var now = CallStart + TimeSpan.FromSeconds(i);
            uint sent = ReceiverReport.CompactTime(now);
            near.OnReport(new ReceiverReport(loss, 0, (uint)i * 50, 200, sent, sent - 0x0000_0100, 0x0000_0080, 40_000), now);

            // Same loss, but 5 s of round trip, 500 ms of jitter and 2 s of playout delay.
            far.OnReport(new ReceiverReport(loss, 7, (uint)i * 50, 500_000, sent, sent - 0x0006_0000, 0x0001_0000, 2_000_000), now);
            Assert.Equal(near.Target, far.Target);
        }
    }

    [Fact]
    public void Non_adaptive_keeps_the_start_rate_while_fec_and_expected_loss_follow_reports()
    {
        var link = new Link(new BitrateSettings { Adaptive = false, StartBitsPerSecond = 16_000 });
        Assert.All(link.Report(Clean, count: 60), t => Assert.Equal(new EncoderTarget(16_000, false, 0), t));

        // The smoothed loss climbs towards 20 %: FEC and the expected loss retune, the rate does not move
        // (neither down for the loss nor up to the FEC floor).
        link.Report(TwentyPercent);
        Assert.True(link.Controller.Changed);
        Assert.Equal(new EncoderTarget(16_000, true, 5), link.Target);
        var targets = link.Report(TwentyPercent, count: 60);
        Assert.All(targets, t => Assert.Equal(16_000, t.BitsPerSecond));
        Assert.All(targets, t => Assert.True(t.Fec));
        Assert.Equal(new EncoderTarget(16_000, true, 20), targets[^1]);
    }

    [Fact]
    public void Changed_reports_only_real_changes()
    {
        var link = new Link();
        Assert.True(link.Controller.OnReport(FivePercent, link.Now += TimeSpan.FromSeconds(1)));
        Assert.True(link.Controller.Changed);
        Assert.False(link.Controller.OnReport(FivePercent, link.Now += TimeSpan.FromSeconds(1)));
        Assert.False(link.Controller.Changed);
        Assert.True(link.Controller.OnReport(TwentyPercent, link.Now += TimeSpan.FromSeconds(1)));
    }

    public static TheoryData<BitrateSettings, string> InvalidSettings() => new()
    {
        { new BitrateSettings { MinimumBitsPerSecond = 5_999 }, nameof(BitrateSettings.MinimumBitsPerSecond) },
        { new BitrateSettings { MinimumBitsPerSecond = 510_001 }, nameof(BitrateSettings.MinimumBitsPerSecond) },
        { new BitrateSettings { MaximumBitsPerSecond = 5_999 }, nameof(BitrateSettings.MaximumBitsPerSecond) },
        { new BitrateSettings { MaximumBitsPerSecond = 510_001 }, nameof(BitrateSettings.MaximumBitsPerSecond) },
        { new BitrateSettings { StartBitsPerSecond = 5_999 }, nameof(BitrateSettings.StartBitsPerSecond) },
        { new BitrateSettings { StartBitsPerSecond = 510_001 }, nameof(BitrateSettings.StartBitsPerSecond) },
        { new BitrateSettings { MinimumBitsPerSecond = 40_000, MaximumBitsPerSecond = 30_000, StartBitsPerSecond = 35_000 }, nameof(BitrateSettings.MinimumBitsPerSecond) },
        { new BitrateSettings { MinimumBitsPerSecond = 40_000 }, nameof(BitrateSettings.StartBitsPerSecond) },
        { new BitrateSettings { MaximumBitsPerSecond = 24_000 }, nameof(BitrateSettings.StartBitsPerSecond) },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validate_names_the_setting_out_of_range(BitrateSettings settings, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(settings.Validate);
        Assert.Equal(name, e.ParamName);
        Assert.Contains(name, e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitrateController(settings, CallStart));
    }

    [Fact]
    public void Defaults_and_the_opus_extremes_are_valid()
    {
        var defaults = new BitrateSettings();
        defaults.Validate();
        Assert.Equal((6_000, 510_000, 32_000, true), (defaults.MinimumBitsPerSecond, defaults.MaximumBitsPerSecond, defaults.StartBitsPerSecond, defaults.Adaptive));
        new BitrateSettings { MinimumBitsPerSecond = 6_000, MaximumBitsPerSecond = 6_000, StartBitsPerSecond = 6_000 }.Validate();
        new BitrateSettings { MinimumBitsPerSecond = 510_000, MaximumBitsPerSecond = 510_000, StartBitsPerSecond = 510_000 }.Validate();
    }

    [Fact]
    public void Reports_allocate_nothing()
    {
        var controller = new BitrateController(new BitrateSettings(), CallStart);
        var report = new ReceiverReport(FivePercent, 3, 1000, 2000, 1, 2, 3, 40_000);
        var now = CallStart;
        for (int i = 0; i < 200; i++)
        {
            controller.OnReport(report, now += TimeSpan.FromSeconds(1)); // warm-up: JIT, tiering
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            controller.OnReport((byte)(i % 64), now += TimeSpan.FromSeconds(1));
            controller.OnReport(report, now += TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
