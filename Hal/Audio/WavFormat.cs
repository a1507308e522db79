using System.Buffers.Binary;

namespace PicoTalk.Hal.Audio;

/// <summary>
/// The RIFF/WAVE codec (Microsoft RIFF spec 1991, "WAVE Form Type"; layout as drawn at
/// http://soundfile.sapp.org/doc/WaveFormat/). Pure functions over spans; the file I/O lives in
/// <see cref="WavReader"/> and <see cref="WavWriter"/>.
/// <code>
///  offset size  field            (all integers little-endian)
///  0      4     "RIFF"
///  4      4     RIFF size        = file length - 8
///  8      4     "WAVE"
///  12     ...   chunks, each:    id (4 ASCII) | size (4) | body (size bytes) | pad byte if size is odd
///
///  "fmt " body (16 bytes for PCM, 18 or 40 for WAVE_FORMAT_EXTENSIBLE):
///  +0     2     format tag       1 = PCM, 0xFFFE = extensible (sub-format GUID at +24 picks PCM)
///  +2     2     channels
///  +4     4     sample rate      (Hz)
///  +8     4     byte rate        = rate * block align
///  +12    2     block align      = channels * bits / 8
///  +14    2     bits per sample
///  +16    2     cbSize           (extensible only: 22)
///  +18    2     valid bits       (extensible only)
///  +20    4     channel mask     (extensible only)
///  +24    16    sub-format GUID  (extensible only; first 2 bytes are the format tag)
///
///  "data" body: interleaved samples. Other chunks (LIST, fact, cue ...) are skipped.
///
///  The canonical 44-byte header this project writes (48 kHz, mono, 16-bit PCM):
///  "RIFF" | 36 + data | "WAVE" | "fmt " | 16 | 1 | 1 | 48000 | 96000 | 2 | 16 | "data" | data
/// </code>
/// </summary>
public static class WavFormat
{
    // From the specification.
    public const uint RiffId = 0x4646_4952;  // "RIFF" read as a little-endian uint
    public const uint WaveId = 0x4556_4157;  // "WAVE"
    public const uint FmtId = 0x2074_6D66;   // "fmt "
    public const uint DataId = 0x6174_6164;  // "data"
    public const ushort FormatPcm = 1;
    public const ushort FormatExtensible = 0xFFFE;
    public const int RiffHeaderSize = 12;
    public const int ChunkHeaderSize = 8;
    public const int FmtPcmSize = 16;
    public const int FmtExtensibleSize = 40;

    private const int RiffSizeOffset = 4;
    private const int RiffFormOffset = 8;
    private const int ChunkSizeOffset = 4;
    private const int FmtFormatTag = 0;
    private const int FmtChannels = 2;
    private const int FmtSampleRate = 4;
    private const int FmtByteRate = 8;
    private const int FmtBlockAlign = 12;
    private const int FmtBitsPerSample = 14;
    private const int FmtSubFormat = 24;

    /// <summary>Size of the header <see cref="WriteCanonicalHeader"/> writes: RIFF + fmt(16) + data headers.</summary>
    public const int CanonicalHeaderSize = RiffHeaderSize + ChunkHeaderSize + FmtPcmSize + ChunkHeaderSize;

    /// <summary>Largest data size a RIFF file can describe (its sizes are 32-bit).</summary>
    public const long MaxDataBytes = uint.MaxValue - (CanonicalHeaderSize - ChunkHeaderSize);

    /// <summary>Reads the 12-byte "RIFF" size "WAVE" preamble.</summary>
    public static bool TryReadRiffHeader(ReadOnlySpan<byte> source, out uint riffSize)
    {
        riffSize = 0;
        if (source.Length < RiffHeaderSize
            || BinaryPrimitives.ReadUInt32LittleEndian(source) != RiffId
            || BinaryPrimitives.ReadUInt32LittleEndian(source[RiffFormOffset..]) != WaveId)
        {
            return false;
        }

        riffSize = BinaryPrimitives.ReadUInt32LittleEndian(source[RiffSizeOffset..]);
        return true;
    }

    /// <summary>Reads a chunk header (id and body size, without the pad byte).</summary>
    public static bool TryReadChunkHeader(ReadOnlySpan<byte> source, out WavChunkHeader header)
    {
        header = default;
        if (source.Length < ChunkHeaderSize)
        {
            return false;
        }

        header = new WavChunkHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[ChunkSizeOffset..]));
        return true;
    }

    /// <summary>
    /// Reads a "fmt " chunk body. Succeeds for any well-formed body (the caller decides which
    /// formats it accepts); for WAVE_FORMAT_EXTENSIBLE the sub-format's tag is reported as
    /// <see cref="WavFmt.EffectiveFormat"/>.
    /// </summary>
    public static bool TryReadFmt(ReadOnlySpan<byte> body, out WavFmt fmt)
    {
        fmt = default;
        if (body.Length < FmtPcmSize)
        {
            return false;
        }

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(body[FmtFormatTag..]);
        ushort effective = tag;
        if (tag == FormatExtensible)
        {
            if (body.Length < FmtExtensibleSize)
            {
                return false;
            }

            effective = BinaryPrimitives.ReadUInt16LittleEndian(body[FmtSubFormat..]);
        }

        fmt = new WavFmt(
            tag,
            effective,
            BinaryPrimitives.ReadUInt16LittleEndian(body[FmtChannels..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[FmtSampleRate..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[FmtByteRate..]),
            BinaryPrimitives.ReadUInt16LittleEndian(body[FmtBlockAlign..]),
            BinaryPrimitives.ReadUInt16LittleEndian(body[FmtBitsPerSample..]));
        return true;
    }

    /// <summary>
    /// Writes the canonical 44-byte header of a 48 kHz mono 16-bit PCM file holding
    /// <paramref name="dataBytes"/> bytes of samples. Returns the bytes written.
    /// </summary>
    public static int WriteCanonicalHeader(long dataBytes, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataBytes, MaxDataBytes);
        if (destination.Length < CanonicalHeaderSize)
        {
            throw new ArgumentException($"need {CanonicalHeaderSize} bytes for a WAV header", nameof(destination));
        }

        const int blockAlign = AudioFormat.Channels * AudioFormat.BytesPerSample;
        var fmt = destination[(RiffHeaderSize + ChunkHeaderSize)..];
        var data = destination[(RiffHeaderSize + ChunkHeaderSize + FmtPcmSize)..];

        BinaryPrimitives.WriteUInt32LittleEndian(destination, RiffId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RiffSizeOffset..], (uint)(CanonicalHeaderSize - ChunkHeaderSize + dataBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RiffFormOffset..], WaveId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RiffHeaderSize..], FmtId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(RiffHeaderSize + ChunkSizeOffset)..], FmtPcmSize);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[FmtFormatTag..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[FmtChannels..], AudioFormat.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[FmtSampleRate..], AudioFormat.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[FmtByteRate..], AudioFormat.SampleRate * blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[FmtBlockAlign..], blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[FmtBitsPerSample..], AudioFormat.BytesPerSample * 8);
        BinaryPrimitives.WriteUInt32LittleEndian(data, DataId);
        BinaryPrimitives.WriteUInt32LittleEndian(data[ChunkSizeOffset..], (uint)dataBytes);
        return CanonicalHeaderSize;
    }
}

/// <summary>A RIFF chunk header: four-character id (little-endian uint) and body size.</summary>
public readonly record struct WavChunkHeader(uint Id, uint Size)
{
    /// <summary>Body size plus the pad byte RIFF adds after an odd-sized body.</summary>
    public long PaddedSize => Size + (Size & 1);

    /// <summary>The id as text ("LIST"), non-printable bytes as '?', for error messages.</summary>
    public string IdText => string.Create(4, Id, static (chars, id) =>
    {
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((id >> (8 * i)) & 0xFF);
            chars[i] = c is >= ' ' and <= '~' ? c : '?';
        }
    });
}

/// <summary>The fields of a "fmt " chunk.</summary>
public readonly record struct WavFmt(
    ushort FormatTag,
    ushort EffectiveFormat,
    ushort Channels,
    uint SampleRate,
    uint ByteRate,
    ushort BlockAlign,
    ushort BitsPerSample);
