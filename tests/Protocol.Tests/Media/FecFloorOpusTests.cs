using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>
/// <see cref="BitrateController.FecFloorBitsPerSecond"/> against the real libopus: the encoder is
/// driven the way the controller drives it (FEC on at 32 kbit/s, then the bitrate lowered to the
/// floor) and, once its bandwidth has settled, every packet must be wideband SILK and the packets
/// of active speech must carry LBRR. A packet carries LBRR when decoding its FEC part gives
/// something other than plain concealment from the same decoder state.
/// </summary>
public sealed class FecFloorOpusTests
{
    private const int Frame = MediaConstants.SamplesPer20Ms;
    private const int Frames = 400;      // 8 s: SILK lowers its internal rate through a slow low-pass transition
    private const int DropAt = 20;       // the controller lowers the rate 0.4 s into the call
    private const int MeasureFrom = 300; // 6 s: the bandwidth has settled

    /// <summary>Speech-like sound in 600 ms bursts with 300 ms of near silence between (which keeps SILK's voice detector from taking the talker for background).</summary>
    private static short[] Talk()
    {
        short[] pcm = Signals.SpeechLike(Frames * Frame, seed: 7);
        var noise = new Random(3);
        for (int n = 0; n < pcm.Length; n++)
        {
            if (n / (MediaConstants.SampleRate * 3 / 10) % 3 == 2)
            {
                pcm[n] = (short)noise.Next(-30, 30);
            }
        }

        return pcm;
    }

    private static (int Wideband, int WithLbrr, int Measured) Run(int bitrate, int lossPercent)
    {
        short[] input = Talk();
        using var encoder = new OpusEncoder(new OpusEncoderSettings { InbandFec = true, ExpectedPacketLossPercent = lossPercent });
        var packets = new List<byte[]>(Frames);
        var buffer = new byte[MediaConstants.MaxPacketBytes];
        for (int i = 0; i < Frames; i++)
        {
            if (i == DropAt)
            {
                encoder.Bitrate = bitrate;
            }

            int length = encoder.Encode(input.AsSpan(i * Frame, Frame), buffer);
            packets.Add(buffer[..length]);
        }

        int wideband = 0, withLbrr = 0, measured = 0;
        var concealed = new short[Frame];
        var recovered = new short[Frame];
        for (int i = MeasureFrom; i < Frames - 1; i++)
        {
            measured++;

            // TOC configurations 8..11: SILK-only wideband (RFC 6716 §3.1, Table 2).
            if ((packets[i + 1][0] >> 3) is >= 8 and <= 11)
            {
                wideband++;
            }

            // Two decoders with the same history; frame i is lost; one conceals, one decodes i + 1's FEC.
            using var plc = new OpusDecoder();
            using var fec = new OpusDecoder();
            for (int j = i - 5; j < i; j++)
            {
                plc.Decode(packets[j], concealed);
                fec.Decode(packets[j], recovered);
            }

            plc.Conceal(concealed);
            fec.DecodeFec(packets[i + 1], recovered);
            if (!concealed.AsSpan().SequenceEqual(recovered))
            {
                withLbrr++;
            }
        }

        return (wideband, withLbrr, measured);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(11)]
    [InlineData(20)]
    [InlineData(50)]
    public void At_the_floor_libopus_codes_wideband_speech_with_lbrr(int lossPercent)
    {
        var (wideband, withLbrr, measured) = Run(BitrateController.FecFloorBitsPerSecond, lossPercent);
        Assert.Equal(measured, wideband);

        // About two thirds of the frames are active speech; LBRR is coded for those only.
        Assert.True(withLbrr > measured / 2, $"LBRR in {withLbrr} of {measured} packets");
    }

    [Theory]
    [InlineData(6)]
    [InlineData(11)]
    [InlineData(50)]
    public void At_12_kbit_libopus_codes_no_lbrr_at_all(int lossPercent)
    {
        var (_, withLbrr, measured) = Run(12_000, lossPercent);
        Assert.True(withLbrr == 0, $"LBRR in {withLbrr} of {measured} packets");
    }
}
