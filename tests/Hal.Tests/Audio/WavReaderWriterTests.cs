using System.Buffers.Binary;
using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Audio;

public sealed class WavReaderWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new("h3-wav");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Written_samples_read_back_identically()
    {
        var samples = WavTestFiles.Noise(1, 48_000 + 7, short.MaxValue);
        samples[0] = short.MinValue;
        string path = _dir.File("noise.wav");
        WavWriter.WriteAll(path, samples);

        Assert.Equal(WavFormat.CanonicalHeaderSize + samples.Length * 2, new FileInfo(path).Length);
        using var reader = WavReader.Open(path);
        Assert.Equal(samples.Length, reader.SampleCount);
        Assert.Equal(1, reader.SourceChannels);
        var read = new short[samples.Length + 100];
        Assert.Equal(samples.Length, reader.Read(read));
        Assert.Equal(samples, read[..samples.Length]);
        Assert.Equal(0, reader.Read(read));
        reader.Rewind();
        Assert.Equal(10, reader.Read(read.AsSpan(0, 10)));
        Assert.Equal(samples[..10], read[..10]);
    }

    [Fact]
    public void Stereo_is_downmixed_by_averaging()
    {
        short[] left = [1000, -2000, short.MaxValue, short.MinValue, 3];
        short[] right = [3000, 2000, short.MaxValue, short.MinValue, 0];
        string path = _dir.File("stereo.wav");
        WavTestFiles.WriteRaw(path, 48_000, 2, 16, WavTestFiles.Interleave(left, right));

        using var reader = WavReader.Open(path);
        Assert.Equal(2, reader.SourceChannels);
        Assert.Equal(5, reader.SampleCount);
        var mono = new short[5];
        Assert.Equal(5, reader.Read(mono));
        Assert.Equal(new short[] { 2000, 0, short.MaxValue, short.MinValue, 1 }, mono);
    }

    [Fact]
    public void Long_stereo_files_read_across_the_scratch_buffer()
    {
        var left = WavTestFiles.Noise(2, 5000);
        var right = WavTestFiles.Noise(3, 5000);
        string path = _dir.File("long-stereo.wav");
        WavTestFiles.WriteRaw(path, 48_000, 2, 16, WavTestFiles.Interleave(left, right));

        var mono = WavReader.ReadAll(path);
        Assert.Equal(5000, mono.Length);
        for (int i = 0; i < mono.Length; i++)
        {
            Assert.Equal((short)((left[i] + right[i]) >> 1), mono[i]);
        }
    }

    [Fact]
    public void Unknown_chunks_before_fmt_and_data_are_skipped()
    {
        short[] samples = [1, 2, 3, 4];
        string path = _dir.File("list.wav");
        WavTestFiles.WriteRaw(path, 48_000, 1, 16, WavTestFiles.Interleave(samples), WavFormat.FormatPcm,
            ("LIST", "INFOISFT\u0005\0\0\0sox!\0"u8.ToArray()), ("odd ", [7, 7, 7]));
        Assert.Equal(samples, WavReader.ReadAll(path));
    }

    [Theory]
    [InlineData(44_100, 1, 16, 1, "44100 Hz, need 48000 Hz")]
    [InlineData(48_000, 1, 24, 1, "24-bit samples, need 16-bit")]
    [InlineData(48_000, 1, 8, 1, "8-bit samples, need 16-bit")]
    [InlineData(48_000, 3, 16, 1, "3 channels, need mono or stereo")]
    [InlineData(48_000, 1, 32, 3, "IEEE float")]
    [InlineData(48_000, 1, 16, 7, "mu-law")]
    public void Other_formats_are_refused_naming_the_file_and_what_was_found(int rate, int channels, int bits, int tag, string found)
    {
        string path = _dir.File("song.wav");
        WavTestFiles.WriteRaw(path, rate, channels, bits, new byte[channels * bits / 8 * 4], (ushort)tag);

        var error = Assert.Throws<WavFormatException>(() => WavReader.Open(path));
        Assert.StartsWith("song.wav: ", error.Message);
        Assert.Contains(found, error.Message);
        Assert.Contains("convert with: sox song.wav -r 48000 -c 1 -b 16 song-48k.wav", error.Message);
    }

    [Fact]
    public void Files_that_are_not_wav_are_refused_clearly()
    {
        string text = _dir.File("notes.wav");
        File.WriteAllText(text, "this is not audio at all");
        Assert.Contains("notes.wav: not a RIFF/WAVE file", Assert.Throws<WavFormatException>(() => WavReader.Open(text)).Message);

        string noData = _dir.File("nodata.wav");
        File.WriteAllBytes(noData, File.ReadAllBytes(WriteTiny())[..36]);
        Assert.Contains("no \"data\" chunk", Assert.Throws<WavFormatException>(() => WavReader.Open(noData)).Message);

        Assert.Throws<FileNotFoundException>(() => WavReader.Open(_dir.File("missing.wav")));
    }

    [Fact]
    public void A_data_size_past_the_end_is_cut_to_the_file()
    {
        string path = WriteTiny();
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), uint.MaxValue); // as streaming writers leave it
        File.WriteAllBytes(path, bytes[..^1]); // and a torn last sample
        Assert.Equal(new short[] { 10, 20 }, WavReader.ReadAll(path));
    }

    [Fact]
    public void A_killed_writer_leaves_a_file_playable_up_to_the_last_flush()
    {
        string path = _dir.File("rec.wav");
        var writer = new WavWriter(path); // never disposed: the process "dies" after the flush
        var first = WavTestFiles.Tone(440, 5000, 960);
        writer.Write(first);
        writer.Flush();
        writer.Write(WavTestFiles.Tone(880, 5000, 960));

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(WavFormat.CanonicalHeaderSize + 2 * 960 * 2, bytes.Length); // samples reached the OS
        Assert.Equal(960u * 2, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40))); // header as of the flush
        Assert.Equal(36u + 960 * 2, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        using (var reader = WavReader.Open(path))
        {
            Assert.Equal(960, reader.SampleCount);
        }

        writer.Dispose();
        Assert.Equal(1920, WavReader.ReadAll(path).Length);
        Assert.Throws<ObjectDisposedException>(() => writer.Write(first));
    }

    [Fact]
    public void An_empty_recording_is_a_valid_file()
    {
        string path = _dir.File("empty.wav");
        new WavWriter(path).Dispose();
        Assert.Equal(WavFormat.CanonicalHeaderSize, new FileInfo(path).Length);
        Assert.Empty(WavReader.ReadAll(path));
    }

    [Fact]
    public void Fuzzed_files_fail_only_with_WavFormatException()
    {
        var random = new Random(48);
        var golden = File.ReadAllBytes(WriteTiny());
        string path = _dir.File("fuzz.wav");
        int accepted = 0;
        for (int i = 0; i < 600; i++)
        {
            File.WriteAllBytes(path, i % 4 == 0 ? WavFormatTests.RandomBytes(random) : WavFormatTests.Mutate(random, golden));
            try
            {
                accepted += WavReader.ReadAll(path).Length >= 0 ? 1 : 0;
            }
            catch (WavFormatException)
            {
                // the only failure a malformed file may cause
            }
        }

        Assert.InRange(accepted, 1, 599);
    }

    private string WriteTiny()
    {
        string path = _dir.File($"tiny-{Guid.NewGuid():N}.wav");
        WavWriter.WriteAll(path, [10, 20, 30]);
        return path;
    }
}
