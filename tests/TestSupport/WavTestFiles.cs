using System.Buffers.Binary;
using PicoTalk.Hal.Audio;

namespace PicoTalk.TestSupport;

/// <summary>WAV and signal helpers for tests: whole-file read/write, tones, noise, foreign formats.</summary>
public static class WavTestFiles
{
    /// <summary>Writes 48 kHz mono 16-bit samples to <paramref name="path"/>.</summary>
    public static void Write(string path, ReadOnlySpan<short> samples) => WavWriter.WriteAll(path, samples);

    /// <summary>Reads a file the appliance accepts (48 kHz 16-bit, stereo downmixed) as mono samples.</summary>
    public static short[] Read(string path) => WavReader.ReadAll(path);

    /// <summary>A sine of <paramref name="frequency"/> Hz and peak <paramref name="amplitude"/>, starting at phase 0.</summary>
    public static short[] Tone(double frequency, double amplitude, int samples, int sampleRate = AudioFormat.SampleRate)
    {
        var tone = new short[samples];
        for (int i = 0; i < samples; i++)
        {
            tone[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        }

        return tone;
    }

    /// <summary>Uniform white noise in [-amplitude, amplitude], reproducible for a seed.</summary>
    public static short[] Noise(int seed, int samples, short amplitude = 10_000)
    {
        var random = new Random(seed);
        var noise = new short[samples];
        for (int i = 0; i < samples; i++)
        {
            noise[i] = (short)random.Next(-amplitude, amplitude + 1);
        }

        return noise;
    }

    /// <summary>
    /// Writes a PCM WAV of any shape (rate, channels, bits) with <paramref name="data"/> as its
    /// interleaved sample bytes, optionally with extra chunks before "fmt " and "data" — for testing
    /// what a reader accepts, downmixes, skips or refuses.
    /// </summary>
    public static void WriteRaw(
        string path,
        int sampleRate,
        int channels,
        int bitsPerSample,
        ReadOnlySpan<byte> data,
        ushort formatTag = WavFormat.FormatPcm,
        params (string Id, byte[] Body)[] extraChunks)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream); // BinaryWriter is little-endian, as RIFF is
        void Chunk(string id, byte[] body)
        {
            writer.Write(System.Text.Encoding.ASCII.GetBytes(id));
            writer.Write((uint)body.Length);
            writer.Write(body);
            if ((body.Length & 1) == 1)
            {
                writer.Write((byte)0); // RIFF pads odd chunks to an even size
            }
        }

        writer.Write("RIFF"u8);
        writer.Write(0u); // patched below
        writer.Write("WAVE"u8);
        foreach (var (id, body) in extraChunks)
        {
            Chunk(id, body);
        }

        int blockAlign = channels * bitsPerSample / 8;
        writer.Write("fmt "u8);
        writer.Write((uint)WavFormat.FmtPcmSize);
        writer.Write(formatTag);
        writer.Write((ushort)channels);
        writer.Write((uint)sampleRate);
        writer.Write((uint)(sampleRate * blockAlign));
        writer.Write((ushort)blockAlign);
        writer.Write((ushort)bitsPerSample);
        Chunk("data", data.ToArray());
        writer.Flush();

        byte[] bytes = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Interleaves 16-bit channels into little-endian bytes (for <see cref="WriteRaw"/>).</summary>
    public static byte[] Interleave(params short[][] channels)
    {
        int frames = channels[0].Length;
        var bytes = new byte[frames * channels.Length * 2];
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels.Length; c++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan((i * channels.Length + c) * 2), channels[c][i]);
            }
        }

        return bytes;
    }
}
