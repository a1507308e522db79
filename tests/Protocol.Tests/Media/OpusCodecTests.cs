using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

public sealed class OpusCodecTests
{
    private const int Frame = MediaConstants.SamplesPer20Ms;

    internal static List<byte[]> EncodeAll(OpusEncoder encoder, short[] pcm)
    {
        var packets = new List<byte[]>();
        var buffer = new byte[MediaConstants.MaxPacketBytes];
        for (int offset = 0; offset + encoder.FrameSamples <= pcm.Length; offset += encoder.FrameSamples)
        {
            int length = encoder.Encode(pcm.AsSpan(offset, encoder.FrameSamples), buffer);
            packets.Add(buffer.AsSpan(0, length).ToArray());
        }

        return packets;
    }

    internal static short[] DecodeAll(IReadOnlyList<byte[]> packets, int frameSamples)
    {
        using var decoder = new OpusDecoder();
        var output = new short[packets.Count * frameSamples];
        for (int i = 0; i < packets.Count; i++)
        {
            Assert.Equal(frameSamples, decoder.Decode(packets[i], output.AsSpan(i * frameSamples, frameSamples)));
        }

        return output;
    }

    [Theory]
    [InlineData("tones", 20)]
    [InlineData("speech", 20)]
    [InlineData("tones", 10)]
    [InlineData("speech", 10)]
    public void Round_trip_at_32_kbit_correlates_with_the_input_after_the_codec_delay(string signal, int frameMs)
    {
        short[] input = signal == "tones" ? Signals.Tones(48_000) : Signals.SpeechLike(48_000, seed: 7);
        using var encoder = new OpusEncoder(new OpusEncoderSettings { Bitrate = 32_000, FrameMilliseconds = frameMs });

        short[] output = DecodeAll(EncodeAll(encoder, input), encoder.FrameSamples);
        (int lag, double correlation) = Signals.Align(input, output, maxLag: 1000, skip: 4800);

        Assert.True(correlation >= 0.9, $"correlation {correlation:F3} at lag {lag}");
        if (signal == "speech")
        {
            // The delay found by correlation is the encoder's lookahead (the decoder adds none at 48 kHz).
            // Not checked for the tones: their sum nearly repeats every 435 samples, so several lags fit.
            Assert.InRange(lag, encoder.LookaheadSamples - 8, encoder.LookaheadSamples + 8);
        }
    }

    [Fact]
    public void Average_packet_size_follows_the_bitrate()
    {
        short[] input = Signals.SpeechLike(48_000 * 3, seed: 11);
        using var low = new OpusEncoder(new OpusEncoderSettings { Bitrate = 12_000 });
        using var high = new OpusEncoder(new OpusEncoderSettings { Bitrate = 64_000 });

        double lowBytes = EncodeAll(low, input).Average(p => p.Length);
        double highBytes = EncodeAll(high, input).Average(p => p.Length);

        // bitrate / 8 / 50 frames per second: 30 and 160 bytes; VBR moves around that, not far.
        Assert.InRange(lowBytes, 30 * 0.6, 30 * 1.4);
        Assert.InRange(highBytes, 160 * 0.6, 160 * 1.4);
        Assert.True(highBytes / lowBytes > 3.5, $"{lowBytes:F1} vs {highBytes:F1} bytes");
    }

    [Fact]
    public void Bitrate_set_mid_stream_takes_effect()
    {
        short[] input = Signals.SpeechLike(48_000 * 2, seed: 12);
        using var encoder = new OpusEncoder(new OpusEncoderSettings { Bitrate = 64_000 });
        double before = EncodeAll(encoder, input).Average(p => p.Length);

        encoder.Bitrate = 12_000;
        double after = EncodeAll(encoder, input).Average(p => p.Length);

        Assert.Equal(12_000, encoder.Bitrate);
        Assert.True(before / after > 3.5, $"{before:F1} then {after:F1} bytes");
    }

    [Theory]
    [InlineData("Bitrate", 5_999)]
    [InlineData("Bitrate", 510_001)]
    [InlineData("Complexity", -1)]
    [InlineData("Complexity", 11)]
    [InlineData("FrameMilliseconds", 5)]
    [InlineData("FrameMilliseconds", 40)]
    [InlineData("ExpectedPacketLossPercent", -1)]
    [InlineData("ExpectedPacketLossPercent", 101)]
    public void Settings_out_of_range_are_refused_naming_the_field(string field, int value)
    {
        var settings = field switch
        {
            "Bitrate" => new OpusEncoderSettings { Bitrate = value },
            "Complexity" => new OpusEncoderSettings { Complexity = value },
            "FrameMilliseconds" => new OpusEncoderSettings { FrameMilliseconds = value },
            _ => new OpusEncoderSettings { ExpectedPacketLossPercent = value },
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new OpusEncoder(settings));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }

    [Theory]
    [InlineData(6_000)]
    [InlineData(510_000)]
    public void Bitrate_limits_themselves_are_accepted(int bitrate)
    {
        using var encoder = new OpusEncoder(new OpusEncoderSettings { Bitrate = bitrate, Complexity = 0 });
        Assert.Equal(bitrate, encoder.Bitrate);
    }

    [Fact]
    public void Setters_mid_call_validate_too()
    {
        using var encoder = new OpusEncoder(new OpusEncoderSettings());
        Assert.Equal("Bitrate", Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Bitrate = 5_999).ParamName);
        Assert.Equal("ExpectedPacketLossPercent", Assert.Throws<ArgumentOutOfRangeException>(() => encoder.ExpectedPacketLossPercent = 101).ParamName);
        encoder.InbandFec = true;
        encoder.ExpectedPacketLossPercent = 30;
        Assert.True(encoder.InbandFec);
        Assert.Equal(30, encoder.ExpectedPacketLossPercent);
    }

    [Fact]
    public void Encode_refuses_a_frame_of_the_wrong_length()
    {
        using var encoder = new OpusEncoder(new OpusEncoderSettings());
        var packet = new byte[MediaConstants.MaxPacketBytes];
        var error = Assert.Throws<ArgumentException>(() => encoder.Encode(new short[Frame - 1], packet));
        Assert.Equal("pcm", error.ParamName);
    }

    [Fact]
    public void Decoding_garbage_is_an_opus_error_not_a_crash()
    {
        using var decoder = new OpusDecoder();
        // TOC code 3 (arbitrary frame count) with a frame count byte of 0: invalid (RFC 6716 §3.2.5, R5).
        byte[] invalid = [0x03, 0x00];
        var error = Assert.Throws<OpusException>(() => decoder.Decode(invalid, new short[Frame]));
        Assert.Equal(-4, error.ErrorCode); // OPUS_INVALID_PACKET
        Assert.Contains("corrupted stream", error.Message); // opus_strerror(OPUS_INVALID_PACKET)

        Assert.Equal(-4, OpusDecoder.GetSampleCount([0x03])); // code 3 without its frame count byte
        Assert.True(OpusDecoder.GetSampleCount([]) < 0);
        Assert.Throws<ArgumentException>(() => decoder.Decode([], new short[Frame]));
    }

    [Fact]
    public void Packet_sample_count_matches_the_frame_size()
    {
        using var encoder10 = new OpusEncoder(new OpusEncoderSettings { FrameMilliseconds = 10 });
        using var encoder20 = new OpusEncoder(new OpusEncoderSettings { FrameMilliseconds = 20 });
        var packet = new byte[MediaConstants.MaxPacketBytes];

        int length10 = encoder10.Encode(new short[MediaConstants.SamplesPer10Ms], packet);
        Assert.Equal(480, OpusDecoder.GetSampleCount(packet.AsSpan(0, length10)));
        int length20 = encoder20.Encode(new short[MediaConstants.SamplesPer20Ms], packet);
        Assert.Equal(960, OpusDecoder.GetSampleCount(packet.AsSpan(0, length20)));
    }

    [Fact]
    public void Conceal_needs_a_multiple_of_2_5_ms()
    {
        using var decoder = new OpusDecoder();
        Assert.Throws<ArgumentException>(() => decoder.Conceal(new short[100]));
        Assert.Equal(Frame, decoder.Conceal(new short[Frame]));
        Assert.Equal(Frame, decoder.LastPacketDurationSamples);
    }

    [Fact]
    public void Library_version_is_reported()
    {
        Assert.StartsWith("libopus ", OpusLibrary.Version);
    }
}
