using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>
/// Two ends exchanging receiver reports (RFC 3550 §6.4.1): each measures the round trip on its own
/// clock from the echo of its last report, and the sender's encoder target follows the loss the
/// receiver reports.
/// </summary>
public sealed class MediaFeedbackTests
{
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(35);

    [Fact]
    public void Each_end_measures_the_round_trip_from_the_echo_of_its_report_whatever_the_clocks()
    {
        // Two clocks far apart: nothing in the measurement may depend on them agreeing.
        TimeSpan clockA = TimeSpan.FromHours(3), clockB = TimeSpan.FromDays(40);
        var a = new MediaFeedback(new BitrateSettings(), clockA);
        var b = new MediaFeedback(new BitrateSettings(), clockB);
        Assert.Null(a.RoundTripMilliseconds);

        for (int second = 0; second < 5; second++)
        {
            // A reports; it reaches B a one-way delay later. B reports 400 ms after that.
            ReceiverReport fromA = a.CreateReport(0, Stats(), clockA);
            Advance(ref clockA, ref clockB, OneWay);
            b.OnReport(fromA, clockB);
            Advance(ref clockA, ref clockB, TimeSpan.FromMilliseconds(400));
            ReceiverReport fromB = b.CreateReport(0, Stats(), clockB);
            Assert.Equal(a.CreateReport(0, Stats(), clockA - TimeSpan.FromMilliseconds(435)).SenderTime, fromB.EchoTime);
            Advance(ref clockA, ref clockB, OneWay);
            a.OnReport(fromB, clockA);
            Advance(ref clockA, ref clockB, TimeSpan.FromMilliseconds(565));
        }

        // 16.16 fixed point: within a millisecond of twice the one-way delay, the 400 ms B held the echo excluded.
        Assert.InRange(a.RoundTripMilliseconds!.Value, 69, 71);
        Assert.InRange(b.RoundTripMilliseconds!.Value, 69, 71);
        Assert.Equal(5, a.ReportsReceived);
    }

    [Fact]
    public void Loss_reported_by_the_peer_turns_fec_on_and_a_clean_link_turns_it_off()
    {
        var now = TimeSpan.FromMinutes(10);
        var sender = new MediaFeedback(new BitrateSettings(), now);
        var lossy = new ReceiverReport(FractionLost: 26, 0, 0, 0, 1, 0, 0, 0); // 10 %
        bool changed = false;
        for (int i = 0; i < 5; i++)
        {
            now += TimeSpan.FromSeconds(1);
            changed |= sender.OnReport(lossy, now);
        }

        Assert.True(changed);
        Assert.True(sender.Target.Fec);
        Assert.InRange(sender.Target.ExpectedLossPercent, 8, 11);
        Assert.Equal(10.2, Math.Round(100 * sender.PeerLoss, 1));

        var clean = lossy with { FractionLost = 0 };
        for (int i = 0; i < 30; i++)
        {
            now += TimeSpan.FromSeconds(1);
            sender.OnReport(clean, now);
        }

        Assert.False(sender.Target.Fec);
        Assert.Equal(0, sender.Target.ExpectedLossPercent);
    }

    [Fact]
    public void The_report_carries_what_the_receive_stream_measured()
    {
        var feedback = new MediaFeedback(new BitrateSettings(), TimeSpan.FromSeconds(100));
        var stats = Stats() with { HighestSequence = 777, CumulativeLost = 12, JitterMilliseconds = 3.25, DelayMilliseconds = 42 };

        ReceiverReport report = feedback.CreateReport(51, stats, TimeSpan.FromSeconds(101));

        Assert.Equal((51, 12, 777u, 3250u, 42_000u), (report.FractionLost, report.CumulativeLost, report.ExtendedHighestSequence, report.JitterMicroseconds, report.PlayoutDelayMicroseconds));
        Assert.Equal(ReceiverReport.CompactTime(TimeSpan.FromSeconds(101)), report.SenderTime);
        Assert.Equal((0u, 0u), (report.EchoTime, report.EchoDelay)); // nothing received yet to echo
    }

    private static MediaStats Stats() => new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static void Advance(ref TimeSpan a, ref TimeSpan b, TimeSpan by)
    {
        a += by;
        b += by;
    }
}
