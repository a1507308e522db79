using PicoTalk.Hal.Audio;

namespace PicoTalk.Hal.Tests.Audio;

public class WavFormatTests
{
    [Fact]
    public void Canonical_header_has_the_golden_bytes()
    {
        var header = new byte[WavFormat.CanonicalHeaderSize];
        Assert.Equal(44, WavFormat.WriteCanonicalHeader(1920, header));
        Assert.Equal(
            "52494646" + "A4070000" + "57415645"            // "RIFF" 36+1920 "WAVE"
            + "666D7420" + "10000000"                       // "fmt " 16
            + "0100" + "0100" + "80BB0000" + "00770100"     // PCM, mono, 48000, 96000
            + "0200" + "1000"                               // block align 2, 16 bits
            + "64617461" + "80070000",                      // "data" 1920
            Convert.ToHexString(header));
    }

    [Fact]
    public void Header_round_trips_through_the_readers()
    {
        var header = new byte[WavFormat.CanonicalHeaderSize];
        WavFormat.WriteCanonicalHeader(480, header);

        Assert.True(WavFormat.TryReadRiffHeader(header, out uint riffSize));
        Assert.Equal(36u + 480, riffSize);
        Assert.True(WavFormat.TryReadChunkHeader(header.AsSpan(12), out var fmtChunk));
        Assert.Equal(WavFormat.FmtId, fmtChunk.Id);
        Assert.Equal("fmt ", fmtChunk.IdText);
        Assert.True(WavFormat.TryReadFmt(header.AsSpan(20, 16), out var fmt));
        Assert.Equal(new WavFmt(1, 1, 1, 48000, 96000, 2, 16), fmt);
        Assert.True(WavFormat.TryReadChunkHeader(header.AsSpan(36), out var data));
        Assert.Equal(new WavChunkHeader(WavFormat.DataId, 480), data);
    }

    [Fact]
    public void Short_or_foreign_input_is_refused_not_thrown()
    {
        Assert.False(WavFormat.TryReadRiffHeader("RIFF\0\0\0\0WAV"u8, out _));
        Assert.False(WavFormat.TryReadRiffHeader("RIFX\0\0\0\0WAVE"u8, out _));
        Assert.False(WavFormat.TryReadRiffHeader("RIFF\0\0\0\0AVI "u8, out _));
        Assert.False(WavFormat.TryReadChunkHeader("data\0\0\0"u8, out _));
        Assert.False(WavFormat.TryReadFmt(new byte[15], out _));
        var extensible = new byte[18];
        extensible[0] = 0xFE;
        extensible[1] = 0xFF;
        Assert.False(WavFormat.TryReadFmt(extensible, out _)); // too short for the sub-format GUID
    }

    [Fact]
    public void Extensible_fmt_reports_its_sub_format()
    {
        var body = new byte[WavFormat.FmtExtensibleSize];
        body[0] = 0xFE;
        body[1] = 0xFF;
        body[2] = 1;
        body[24] = 3; // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT starts 03 00
        Assert.True(WavFormat.TryReadFmt(body, out var fmt));
        Assert.Equal(WavFormat.FormatExtensible, fmt.FormatTag);
        Assert.Equal((ushort)3, fmt.EffectiveFormat);
    }

    [Fact]
    public void Odd_chunks_are_padded_and_ids_print_safely()
    {
        Assert.Equal(6, new WavChunkHeader(0, 5).PaddedSize);
        Assert.Equal(4, new WavChunkHeader(0, 4).PaddedSize);
        Assert.Equal("LI?T", new WavChunkHeader(0x5401_494C, 0).IdText);
    }

    [Fact]
    public void Header_refuses_sizes_past_the_riff_limit()
    {
        var header = new byte[WavFormat.CanonicalHeaderSize];
        Assert.Throws<ArgumentOutOfRangeException>(() => WavFormat.WriteCanonicalHeader(WavFormat.MaxDataBytes + 1, header));
        WavFormat.WriteCanonicalHeader(WavFormat.MaxDataBytes, header);
        Assert.True(WavFormat.TryReadRiffHeader(header, out uint riff));
        Assert.Equal(uint.MaxValue, riff);
    }

    [Fact]
    public void Fuzzed_bytes_never_throw_from_the_span_codec()
    {
        var random = new Random(5004);
        var golden = new byte[WavFormat.CanonicalHeaderSize];
        WavFormat.WriteCanonicalHeader(960, golden);
        for (int i = 0; i < 100_000; i++)
        {
            byte[] input = i % 2 == 0 ? RandomBytes(random) : Mutate(random, golden);
            WavFormat.TryReadRiffHeader(input, out _);
            for (int offset = 0; offset < input.Length; offset += 4)
            {
                WavFormat.TryReadChunkHeader(input.AsSpan(offset), out _);
                WavFormat.TryReadFmt(input.AsSpan(offset), out _);
            }
        }
    }

    internal static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 80)];
        random.NextBytes(bytes);
        return bytes;
    }

    internal static byte[] Mutate(Random random, byte[] golden)
    {
        var bytes = (byte[])golden.Clone();
        for (int flips = random.Next(1, 6); flips > 0; flips--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return random.Next(4) == 0 ? bytes[..random.Next(bytes.Length)] : bytes;
    }
}
