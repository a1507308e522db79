using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>
/// A lost frame is concealed (or rebuilt from FEC) and the decoder carries on with its state:
/// never the reference design's reset on a sequence gap (DESIGN.md "Media layer").
/// </summary>
public sealed class OpusLossTests
{
    private const int Frame = MediaConstants.SamplesPer20Ms;
    private const int Frames = 40;
    private const int Lost = 20;

    [Theory]
    [InlineData(0, FrameKind.Concealed)] // playing at once: when frame 20 is due, 21 has not arrived
    [InlineData(2, FrameKind.FecRecovered)] // two frames of delay: 21 is queued when 20 is due
    public void A_dropped_frame_is_bridged_and_the_frames_after_it_decode_as_without_a_reset(int targetDelay, FrameKind expectedAtGap)
    {
        short[] input = Signals.SpeechLike(Frames * Frame, seed: 5);
        using var encoder = new OpusEncoder(new OpusEncoderSettings { InbandFec = true, ExpectedPacketLossPercent = 10 });
        List<byte[]> packets = OpusCodecTests.EncodeAll(encoder, input);

        // The receive pipeline, one packet per period, frame 20 never arrives; the speaker starts
        // reading targetDelay periods after the first packet. No time-scale modification, so the
        // output can be compared frame by frame.
        var time = new PicoTalk.TestSupport.FakeTimeProvider();
        using var stream = new ReceiveStream(20, time, new PlayoutSettings { MinimumDelayMilliseconds = 0, Adaptive = false });
        var received = new short[Frames * Frame];
        var kinds = new List<FrameKind>();
        for (int period = 0; period < Frames + targetDelay; period++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            if (period < Frames && period != Lost)
            {
                stream.Push((uint)period, packets[period]);
            }

            if (period < targetDelay)
            {
                continue;
            }

            var pcm = new short[Frame];
            FrameKind kind = stream.ReadFrame(pcm);
            if (kind != FrameKind.Silence)
            {
                pcm.CopyTo(received, kinds.Count * Frame);
                kinds.Add(kind);
            }
        }

        Assert.Equal(Frames, kinds.Count);
        Assert.Equal(expectedAtGap, kinds[Lost]);
        Assert.All(kinds.Where((_, i) => i != Lost), k => Assert.Equal(FrameKind.Decoded, k));

        // A decoder that saw the same sequence of events, by hand.
        using var reference = new OpusDecoder();
        var expected = new short[Frames * Frame];
        for (int i = 0; i < Frames; i++)
        {
            Span<short> pcm = expected.AsSpan(i * Frame, Frame);
            if (i != Lost)
            {
                reference.Decode(packets[i], pcm);
            }
            else if (expectedAtGap == FrameKind.FecRecovered)
            {
                reference.DecodeFec(packets[i + 1], pcm);
            }
            else
            {
                reference.Conceal(pcm);
            }
        }

        Assert.Equal(expected, received);

        // The bridged frame after voiced audio is sound, not silence.
        Assert.True(Signals.PeakAbs(received.AsSpan(Lost * Frame, Frame)) > 500);

        // And the comparison above can tell a reset apart: a fresh decoder decodes frame 21 differently.
        using var reset = new OpusDecoder();
        var afterReset = new short[Frame];
        reset.Decode(packets[Lost + 1], afterReset);
        Assert.NotEqual(afterReset, received.AsSpan((Lost + 1) * Frame, Frame).ToArray());

        MediaStats stats = stream.Stats;
        Assert.Equal(Frames - 1, stats.FramesDecoded);
        Assert.Equal(expectedAtGap == FrameKind.Concealed ? 1 : 0, stats.FramesConcealed);
        Assert.Equal(expectedAtGap == FrameKind.FecRecovered ? 1 : 0, stats.FecRecovered);
    }

    [Fact]
    public void Fec_rebuilds_a_lost_frame_better_than_concealment()
    {
        short[] input = Signals.SteppedVowel(Frames * Frame, seed: 9);
        using var encoder = new OpusEncoder(new OpusEncoderSettings { Bitrate = 32_000, InbandFec = true, ExpectedPacketLossPercent = 20 });
        List<byte[]> packets = OpusCodecTests.EncodeAll(encoder, input);
        short[] clean = OpusCodecTests.DecodeAll(packets, Frame);
        (int delay, _) = Signals.Align(input, clean, maxLag: 1000, skip: 4800);

        double fecSum = 0, plcSum = 0;
        int trials = 0;
        // Lose the first frame of each new pitch (every third frame): the past cannot predict it.
        for (int lost = 12; lost < Frames - 2; lost += 3)
        {
            using var withFec = new OpusDecoder();
            using var withPlc = new OpusDecoder();
            var scratch = new short[Frame];
            for (int i = 0; i < lost; i++)
            {
                withFec.Decode(packets[i], scratch);
                withPlc.Decode(packets[i], scratch);
            }

            var fec = new short[Frame];
            var plc = new short[Frame];
            Assert.Equal(Frame, withFec.DecodeFec(packets[lost + 1], fec));
            Assert.Equal(Frame, withPlc.Conceal(plc));

            // Output sample n is input sample n - delay.
            ReadOnlySpan<short> original = input.AsSpan(lost * Frame - delay, Frame);
            fecSum += Signals.Correlation(original, fec);
            plcSum += Signals.Correlation(original, plc);
            trials++;
        }

        double fecMean = fecSum / trials, plcMean = plcSum / trials;
        Assert.True(fecMean > plcMean + 0.2, $"FEC {fecMean:F3} vs PLC {plcMean:F3}");
        Assert.True(fecMean > 0.7, $"FEC {fecMean:F3}");
    }

    [Fact]
    public void Without_fec_in_the_stream_decode_fec_falls_back_to_concealment()
    {
        short[] input = Signals.SteppedVowel(Frames * Frame, seed: 9);
        using var encoder = new OpusEncoder(new OpusEncoderSettings { Bitrate = 32_000 });
        List<byte[]> packets = OpusCodecTests.EncodeAll(encoder, input);

        using var a = new OpusDecoder();
        using var b = new OpusDecoder();
        var scratch = new short[Frame];
        for (int i = 0; i < Lost; i++)
        {
            a.Decode(packets[i], scratch);
            b.Decode(packets[i], scratch);
        }

        var viaFec = new short[Frame];
        var viaPlc = new short[Frame];
        a.DecodeFec(packets[Lost + 1], viaFec);
        b.Conceal(viaPlc);

        // libopus: "If no such data is available, the frame is decoded as if it were lost."
        Assert.Equal(viaPlc, viaFec);
    }
}
