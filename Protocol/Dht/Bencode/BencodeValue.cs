using System.Text;

namespace PicoTalk.Protocol.Dht.Bencode;

/// <summary>The four bencode types (BEP 3 "bencoding").</summary>
public enum BencodeKind : byte
{
    /// <summary>default(BencodeValue): no value (an absent key).</summary>
    None = 0,
    Integer,
    ByteString,
    List,
    Dictionary,
}

/// <summary>
/// One bencoded value. Byte strings are slices of the buffer they were read from (no copies of the
/// datagram); a list holds its items, a dictionary its keys and values interleaved
/// (key0, value0, key1, value1, ...) in strictly ascending raw-byte key order, as BEP 3 requires
/// and <see cref="BencodeReader"/> enforces. Immutable; <c>default</c> is <see cref="BencodeKind.None"/>.
/// </summary>
public readonly struct BencodeValue
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly BencodeValue[]? _items;
    private readonly long _integer;

    private BencodeValue(BencodeKind kind, long integer, ReadOnlyMemory<byte> bytes, BencodeValue[]? items)
    {
        Kind = kind;
        _integer = integer;
        _bytes = bytes;
        _items = items;
    }

    public BencodeKind Kind { get; }

    public bool IsNone => Kind == BencodeKind.None;

    /// <summary>The integer; 0 for any other kind (check <see cref="Kind"/> first).</summary>
    public long Integer => Kind == BencodeKind.Integer ? _integer : 0;

    /// <summary>The byte string's content; empty for any other kind.</summary>
    public ReadOnlyMemory<byte> Bytes => Kind == BencodeKind.ByteString ? _bytes : ReadOnlyMemory<byte>.Empty;

    /// <summary>Items of a list, or 2 × entries of a dictionary; 0 for scalars.</summary>
    public int Count => Kind switch
    {
        BencodeKind.List => _items!.Length,
        BencodeKind.Dictionary => _items!.Length / 2,
        _ => 0,
    };

    /// <summary>Item <paramref name="index"/> of a list.</summary>
    public BencodeValue this[int index] =>
        Kind == BencodeKind.List ? _items![index] : throw new InvalidOperationException($"a {Kind} has no items");

    /// <summary>Key of dictionary entry <paramref name="index"/> (entries in ascending key order).</summary>
    public ReadOnlyMemory<byte> KeyAt(int index) =>
        Kind == BencodeKind.Dictionary ? _items![2 * index]._bytes : throw new InvalidOperationException($"a {Kind} has no keys");

    /// <summary>Value of dictionary entry <paramref name="index"/>.</summary>
    public BencodeValue ValueAt(int index) =>
        Kind == BencodeKind.Dictionary ? _items![(2 * index) + 1] : throw new InvalidOperationException($"a {Kind} has no entries");

    /// <summary>
    /// The value under <paramref name="key"/>, or <see cref="BencodeKind.None"/> when the key is
    /// absent or this is not a dictionary. Binary search: keys are sorted (BEP 3).
    /// </summary>
    public BencodeValue Get(ReadOnlySpan<byte> key)
    {
        if (Kind != BencodeKind.Dictionary)
        {
            return default;
        }

        int low = 0;
        int high = (_items!.Length / 2) - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            int c = _items[2 * mid]._bytes.Span.SequenceCompareTo(key);
            if (c == 0)
            {
                return _items[(2 * mid) + 1];
            }

            if (c < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return default;
    }

    public bool TryGetBytes(ReadOnlySpan<byte> key, out ReadOnlyMemory<byte> bytes)
    {
        var value = Get(key);
        bytes = value._bytes;
        return value.Kind == BencodeKind.ByteString;
    }

    public static BencodeValue FromInteger(long value) => new(BencodeKind.Integer, value, default, null);

    public static BencodeValue FromBytes(ReadOnlyMemory<byte> value) => new(BencodeKind.ByteString, 0, value, null);

    /// <summary>A byte string holding the UTF-8 bytes of <paramref name="text"/> (allocates).</summary>
    public static BencodeValue FromString(string text) => FromBytes(Encoding.UTF8.GetBytes(text));

    /// <summary>A list; takes ownership of <paramref name="items"/>.</summary>
    public static BencodeValue List(params BencodeValue[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (item.IsNone)
            {
                throw new ArgumentException("a list item has no value", nameof(items));
            }
        }

        return new BencodeValue(BencodeKind.List, 0, default, items);
    }

    /// <summary>A dictionary from entries in any order: sorts them by raw key bytes and rejects duplicates.</summary>
    public static BencodeValue Dictionary(params (ReadOnlyMemory<byte> Key, BencodeValue Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sorted = ((ReadOnlyMemory<byte> Key, BencodeValue Value)[])entries.Clone();
        Array.Sort(sorted, static (x, y) => x.Key.Span.SequenceCompareTo(y.Key.Span));
        var items = new BencodeValue[sorted.Length * 2];
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i - 1].Key.Span.SequenceEqual(sorted[i].Key.Span))
            {
                throw new ArgumentException($"duplicate key '{Encoding.UTF8.GetString(sorted[i].Key.Span)}'", nameof(entries));
            }

            if (sorted[i].Value.IsNone)
            {
                throw new ArgumentException("a dictionary entry has no value", nameof(entries));
            }

            items[2 * i] = FromBytes(sorted[i].Key);
            items[(2 * i) + 1] = sorted[i].Value;
        }

        return new BencodeValue(BencodeKind.Dictionary, 0, default, items);
    }

    /// <summary>A dictionary with string keys (test and construction convenience; allocates).</summary>
    public static BencodeValue Dictionary(params (string Key, BencodeValue Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var converted = new (ReadOnlyMemory<byte> Key, BencodeValue Value)[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            converted[i] = (Encoding.UTF8.GetBytes(entries[i].Key), entries[i].Value);
        }

        return Dictionary(converted);
    }

    /// <summary>Used by <see cref="BencodeReader"/>, which has already checked order and uniqueness.</summary>
    internal static BencodeValue FromCheckedContainer(BencodeKind kind, BencodeValue[] items) => new(kind, 0, default, items);

    /// <summary>Structural equality: same kind, same bytes, same items in the same order.</summary>
    public bool ContentEquals(in BencodeValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        switch (Kind)
        {
            case BencodeKind.Integer:
                return _integer == other._integer;
            case BencodeKind.ByteString:
                return _bytes.Span.SequenceEqual(other._bytes.Span);
            case BencodeKind.List:
            case BencodeKind.Dictionary:
                if (_items!.Length != other._items!.Length)
                {
                    return false;
                }

                for (int i = 0; i < _items.Length; i++)
                {
                    if (!_items[i].ContentEquals(other._items[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>The canonical encoding as text, bytes outside printable ASCII escaped (diagnostics).</summary>
    public override string ToString()
    {
        var bytes = new byte[BencodeWriter.GetEncodedLength(this)];
        BencodeWriter.Write(this, bytes);
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append($"\\x{b:x2}");
            }
        }

        return text.ToString();
    }
}
