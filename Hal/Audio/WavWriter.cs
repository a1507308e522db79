using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PicoTalk.Hal.Audio;

/// <summary>
/// Streams 48 kHz mono 16-bit samples into a WAV file. Samples go to the operating system on every
/// <see cref="Write"/> (positional writes, no user-space buffer); the RIFF and data sizes in the
/// header are patched on <see cref="Flush"/> and <see cref="Dispose"/>, so a process killed between
/// flushes leaves a file that plays up to the last flush (and <see cref="WavReader"/>, which trusts
/// the file length over a size past the end, reads it all). Allocation-free after construction.
/// </summary>
public sealed class WavWriter : IDisposable
{
    // Only big-endian hosts need it: samples are converted to little-endian through this buffer.
    private const int ScratchSamples = 2048;

    private readonly SafeFileHandle _handle;
    private readonly short[]? _scratch;
    private long _dataBytes;
    private long _patchedBytes = -1;

    /// <summary>Creates (or truncates) <paramref name="path"/> and writes a header for an empty file.</summary>
    public WavWriter(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        // FileShare.Read: tests and tools may read a recording while it is being made.
        _handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete);
        _scratch = BitConverter.IsLittleEndian ? null : new short[ScratchSamples];
        Flush();
    }

    public string Path { get; }

    public long SamplesWritten => _dataBytes / AudioFormat.BytesPerSample;

    /// <summary>Appends samples after those already written.</summary>
    /// <exception cref="IOException">the file would exceed the 4 GiB RIFF limit (about 12 hours).</exception>
    public void Write(ReadOnlySpan<short> samples)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        long bytes = (long)samples.Length * AudioFormat.BytesPerSample;
        if (_dataBytes + bytes > WavFormat.MaxDataBytes)
        {
            throw new IOException($"{Path}: WAV data would pass the RIFF limit of {WavFormat.MaxDataBytes} bytes");
        }

        if (_scratch is null)
        {
            RandomAccess.Write(_handle, MemoryMarshal.AsBytes(samples), WavFormat.CanonicalHeaderSize + _dataBytes);
            _dataBytes += bytes;
            return;
        }

        while (!samples.IsEmpty)
        {
            int n = Math.Min(samples.Length, _scratch.Length);
            BinaryPrimitives.ReverseEndianness(samples[..n], _scratch.AsSpan(0, n));
            RandomAccess.Write(_handle, MemoryMarshal.AsBytes(_scratch.AsSpan(0, n)), WavFormat.CanonicalHeaderSize + _dataBytes);
            _dataBytes += n * AudioFormat.BytesPerSample;
            samples = samples[n..];
        }
    }

    /// <summary>Patches the header's sizes to cover every sample written so far.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_patchedBytes == _dataBytes)
        {
            return;
        }

        Span<byte> header = stackalloc byte[WavFormat.CanonicalHeaderSize];
        WavFormat.WriteCanonicalHeader(_dataBytes, header);
        RandomAccess.Write(_handle, header, 0);
        _patchedBytes = _dataBytes;
    }

    /// <summary>Writes a whole file at once (tests, tools).</summary>
    public static void WriteAll(string path, ReadOnlySpan<short> samples)
    {
        using var writer = new WavWriter(path);
        writer.Write(samples);
    }

    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        try
        {
            Flush();
        }
        finally
        {
            _handle.Dispose();
        }
    }
}
