using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PicoTalk.Hal.Audio;

/// <summary>A WAV file this project cannot use, with a message naming the file and what was found.</summary>
public sealed class WavFormatException(string message) : IOException(message);

/// <summary>
/// Reads a 16-bit PCM WAV file at 48 kHz, mono or stereo, as 48 kHz mono samples (stereo is
/// downmixed by averaging the two channels). Anything else is refused with a
/// <see cref="WavFormatException"/> that says how to convert the file. Chunks other than
/// "fmt " and "data" (LIST, fact, cue ...) are skipped (RIFF: unknown chunks are ignored).
/// Reads are positional (pread) and allocate nothing, so a capture thread can loop over a file.
/// </summary>
public sealed class WavReader : IDisposable
{
    private const int MaxChunksBeforeData = 64;
    private const int StereoScratchFrames = 1024;
    private const int StereoChannels = 2;

    private readonly SafeFileHandle _handle;
    private readonly long _dataOffset;
    private readonly int _blockAlign;
    private readonly byte[]? _scratch;

    private WavReader(string path, SafeFileHandle handle, long dataOffset, long frames, int channels)
    {
        Path = path;
        _handle = handle;
        _dataOffset = dataOffset;
        SampleCount = frames;
        SourceChannels = channels;
        _blockAlign = channels * AudioFormat.BytesPerSample;
        _scratch = channels == StereoChannels ? new byte[StereoScratchFrames * _blockAlign] : null;
    }

    public string Path { get; }

    /// <summary>Channels in the file (1 or 2); reads always deliver mono.</summary>
    public int SourceChannels { get; }

    /// <summary>Mono samples in the file (sample frames).</summary>
    public long SampleCount { get; }

    /// <summary>Index of the next sample <see cref="Read"/> returns.</summary>
    public long Position { get; private set; }

    public TimeSpan Duration => TimeSpan.FromSeconds((double)SampleCount / AudioFormat.SampleRate);

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="WavFormatException">not RIFF/WAVE, or not 16-bit PCM mono/stereo at 48 kHz.</exception>
    public static WavReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // ReadWrite sharing: a recording still being written (and flushed) by WavWriter can be read.
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var (dataOffset, frames, channels) = ParseHeader(path, handle);
            return new WavReader(path, handle, dataOffset, frames, channels);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole file into memory (tests, tools; not for the audio path).</summary>
    public static short[] ReadAll(string path)
    {
        using var reader = Open(path);
        if (reader.SampleCount > Array.MaxLength)
        {
            throw new WavFormatException($"{System.IO.Path.GetFileName(path)}: too long to load into memory");
        }

        var samples = new short[reader.SampleCount];
        int read = reader.Read(samples);
        return read == samples.Length ? samples : samples[..read];
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from the current position; returns the samples read,
    /// fewer than asked only at the end of the data (0 once at the end).
    /// </summary>
    public int Read(Span<short> destination)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        int wanted = (int)Math.Min(destination.Length, SampleCount - Position);
        int done = 0;
        while (done < wanted)
        {
            int got = _scratch is null
                ? ReadMono(destination[done..wanted])
                : ReadStereo(destination[done..wanted]);
            if (got == 0)
            {
                break; // the file shrank under us: treat as the end
            }

            done += got;
            Position += got;
        }

        return done;
    }

    /// <summary>Moves back to the first sample (for looping sources).</summary>
    public void Rewind() => Position = 0;

    public void Dispose() => _handle.Dispose();

    private int ReadMono(Span<short> destination)
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        int got = RandomAccess.Read(_handle, bytes, _dataOffset + Position * _blockAlign);
        int samples = got / AudioFormat.BytesPerSample;
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(destination[..samples], destination[..samples]);
        }

        return samples;
    }

    private int ReadStereo(Span<short> destination)
    {
        int frames = Math.Min(destination.Length, StereoScratchFrames);
        var bytes = _scratch.AsSpan(0, frames * _blockAlign);
        int got = RandomAccess.Read(_handle, bytes, _dataOffset + Position * _blockAlign) / _blockAlign;
        for (int i = 0; i < got; i++)
        {
            int left = BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * _blockAlign)..]);
            int right = BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * _blockAlign + AudioFormat.BytesPerSample)..]);
            destination[i] = (short)((left + right) >> 1);
        }

        return got;
    }

    /// <summary>Walks the chunks up to "data"; returns where the samples start and how many frames there are.</summary>
    private static (long DataOffset, long Frames, int Channels) ParseHeader(string path, SafeFileHandle handle)
    {
        string name = System.IO.Path.GetFileName(path);
        long length = RandomAccess.GetLength(handle);
        Span<byte> buffer = stackalloc byte[WavFormat.FmtExtensibleSize];

        if (RandomAccess.Read(handle, buffer[..WavFormat.RiffHeaderSize], 0) < WavFormat.RiffHeaderSize
            || !WavFormat.TryReadRiffHeader(buffer, out _))
        {
            throw new WavFormatException($"{name}: not a RIFF/WAVE file; convert with: {ConvertHint(name)}");
        }

        WavFmt? fmt = null;
        long offset = WavFormat.RiffHeaderSize;
        for (int chunk = 0; chunk < MaxChunksBeforeData; chunk++)
        {
            if (RandomAccess.Read(handle, buffer[..WavFormat.ChunkHeaderSize], offset) < WavFormat.ChunkHeaderSize
                || !WavFormat.TryReadChunkHeader(buffer, out var header))
            {
                throw new WavFormatException($"{name}: no \"data\" chunk (file ends at byte {length})");
            }

            long body = offset + WavFormat.ChunkHeaderSize;
            if (header.Id == WavFormat.FmtId)
            {
                int size = (int)Math.Min(header.Size, (uint)buffer.Length);
                if (RandomAccess.Read(handle, buffer[..size], body) < size || !WavFormat.TryReadFmt(buffer[..size], out var parsed))
                {
                    throw new WavFormatException($"{name}: \"fmt \" chunk of {header.Size} bytes is truncated or malformed");
                }

                Validate(name, parsed);
                fmt = parsed;
            }
            else if (header.Id == WavFormat.DataId)
            {
                if (fmt is not { } f)
                {
                    throw new WavFormatException($"{name}: \"data\" chunk comes before any \"fmt \" chunk");
                }

                // A writer killed before patching its header leaves a size past the end (or 0xFFFFFFFF
                // from streaming writers): trust the file's length instead.
                long available = Math.Max(0, Math.Min(header.Size, length - body));
                return (body, available / f.BlockAlign, f.Channels);
            }

            offset = body + header.PaddedSize;
        }

        throw new WavFormatException($"{name}: no \"data\" chunk among the first {MaxChunksBeforeData} chunks");
    }

    private static void Validate(string name, WavFmt fmt)
    {
        string hint = ConvertHint(name);
        if (fmt.EffectiveFormat != WavFormat.FormatPcm)
        {
            throw new WavFormatException($"{name}: format tag 0x{fmt.EffectiveFormat:X4} ({FormatName(fmt.EffectiveFormat)}), need 16-bit PCM; convert with: {hint}");
        }

        if (fmt.BitsPerSample != AudioFormat.BytesPerSample * 8)
        {
            throw new WavFormatException($"{name}: {fmt.BitsPerSample}-bit samples, need 16-bit; convert with: {hint}");
        }

        if (fmt.Channels is not (1 or StereoChannels))
        {
            throw new WavFormatException($"{name}: {fmt.Channels} channels, need mono or stereo; convert with: {hint}");
        }

        if (fmt.SampleRate != AudioFormat.SampleRate)
        {
            throw new WavFormatException($"{name}: {fmt.SampleRate} Hz, need {AudioFormat.SampleRate} Hz; convert with: {hint}");
        }

        if (fmt.BlockAlign != fmt.Channels * AudioFormat.BytesPerSample)
        {
            throw new WavFormatException($"{name}: block align {fmt.BlockAlign} does not match {fmt.Channels} channel(s) of 16 bits");
        }
    }

    private static string FormatName(ushort tag) => tag switch
    {
        3 => "IEEE float",
        6 => "A-law",
        7 => "mu-law",
        0x11 => "IMA ADPCM",
        0x55 => "MP3",
        _ => "not PCM",
    };

    private static string ConvertHint(string name) =>
        $"sox {name} -r {AudioFormat.SampleRate} -c 1 -b 16 {System.IO.Path.GetFileNameWithoutExtension(name)}-48k.wav";
}
