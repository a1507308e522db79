using System.Buffers;
using System.Globalization;

namespace PicoTalk.Protocol.Dht.Bencode;

/// <summary>
/// Writes canonical bencode (BEP 3 "bencoding") into a span: integers without leading zeros,
/// byte strings as length ":" bytes, dictionaries in the key order the caller gives.
/// </summary>
/// <remarks>
/// The low-level methods (<see cref="WriteDictionaryStart"/>, <see cref="WriteBytes"/>, ...) trust
/// the caller to give dictionary keys in ascending raw-byte order; the KRPC codec writes fixed key
/// sets in that order and its round-trip tests prove it. <see cref="WriteValue"/> writes a
/// <see cref="BencodeValue"/>, whose dictionaries are sorted by construction. A writer made with
/// <see cref="Measuring"/> only counts bytes, so a message's size is known before it is written.
/// Running out of room throws <see cref="ArgumentException"/>: that is a bug of the sender, which
/// sizes its buffer with <c>GetEncodedLength</c> or a known maximum, never a receive-path event.
/// </remarks>
public ref struct BencodeWriter
{
    private const int MaxIntegerDigits = 20; // "-9223372036854775808"

    private readonly Span<byte> _destination;
    private readonly bool _measureOnly;

    public BencodeWriter(Span<byte> destination)
    {
        _destination = destination;
        _measureOnly = false;
        Position = 0;
    }

    private BencodeWriter(bool measureOnly)
    {
        _destination = default;
        _measureOnly = measureOnly;
        Position = 0;
    }

    /// <summary>Bytes written (or, when measuring, that would have been written) so far.</summary>
    public int Position { get; private set; }

    /// <summary>A writer that writes nothing and counts the bytes in <see cref="Position"/>.</summary>
    public static BencodeWriter Measuring() => new(measureOnly: true);

    public void WriteInteger(long value)
    {
        Span<byte> digits = stackalloc byte[MaxIntegerDigits];
        value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        WriteRaw((byte)'i');
        WriteRaw(digits[..length]);
        WriteRaw((byte)'e');
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        Span<byte> digits = stackalloc byte[MaxIntegerDigits];
        value.Length.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        WriteRaw(digits[..length]);
        WriteRaw((byte)':');
        WriteRaw(value);
    }

    public void WriteListStart() => WriteRaw((byte)'l');

    public void WriteDictionaryStart() => WriteRaw((byte)'d');

    /// <summary>Closes the innermost list or dictionary.</summary>
    public void WriteEnd() => WriteRaw((byte)'e');

    public void WriteValue(in BencodeValue value)
    {
        switch (value.Kind)
        {
            case BencodeKind.Integer:
                WriteInteger(value.Integer);
                break;
            case BencodeKind.ByteString:
                WriteBytes(value.Bytes.Span);
                break;
            case BencodeKind.List:
                WriteListStart();
                for (int i = 0; i < value.Count; i++)
                {
                    WriteValue(value[i]);
                }

                WriteEnd();
                break;
            case BencodeKind.Dictionary:
                WriteDictionaryStart();
                for (int i = 0; i < value.Count; i++)
                {
                    WriteBytes(value.KeyAt(i).Span);
                    WriteValue(value.ValueAt(i));
                }

                WriteEnd();
                break;
            default:
                throw new ArgumentException("a value of kind None cannot be written", nameof(value));
        }
    }

    /// <summary>Writes <paramref name="value"/>; returns the length. Throws if the destination is too small.</summary>
    public static int Write(in BencodeValue value, Span<byte> destination)
    {
        var writer = new BencodeWriter(destination);
        writer.WriteValue(value);
        return writer.Position;
    }

    public static void Write(in BencodeValue value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int length = GetEncodedLength(value);
        int written = Write(value, destination.GetSpan(length));
        destination.Advance(written);
    }

    public static int GetEncodedLength(in BencodeValue value)
    {
        var writer = Measuring();
        writer.WriteValue(value);
        return writer.Position;
    }

    private void WriteRaw(byte value)
    {
        if (!_measureOnly)
        {
            EnsureRoom(1);
            _destination[Position] = value;
        }

        Position++;
    }

    private void WriteRaw(scoped ReadOnlySpan<byte> value)
    {
        if (!_measureOnly)
        {
            EnsureRoom(value.Length);
            value.CopyTo(_destination[Position..]);
        }

        Position += value.Length;
    }

    private readonly void EnsureRoom(int count)
    {
        if (_destination.Length - Position < count)
        {
            throw new ArgumentException($"the destination ({_destination.Length} bytes) is too small for the encoding", "destination");
        }
    }
}
