namespace PicoTalk.Protocol.Dht.Bencode;

/// <summary>
/// Walks bencode that <see cref="BencodeReader.Validate"/> has accepted, without building a
/// <see cref="BencodeValue"/> tree: the receive path finds the handful of KRPC fields it needs as
/// offsets into the datagram and allocates nothing (BEP 3 "bencoding" layouts as drawn on
/// <see cref="BencodeReader"/>). On input that was not validated the results are meaningless, but
/// every read stays inside the span.
/// </summary>
public static class BencodeCursor
{
    /// <summary>One value inside the input: its kind and where it lies.</summary>
    public readonly record struct Item(BencodeKind Kind, int Start, int End)
    {
        public int Length => End - Start;
    }

    /// <summary>The value starting at <paramref name="start"/>.</summary>
    public static Item At(ReadOnlySpan<byte> input, int start) =>
        new(KindAt(input, start), start, Skip(input, start));

    /// <summary>The content of a byte string item (after "len:").</summary>
    public static Range StringContent(ReadOnlySpan<byte> input, in Item item)
    {
        int colon = input[item.Start..item.End].IndexOf((byte)':');
        return new Range(item.Start + colon + 1, item.End);
    }

    /// <summary>The value of an integer item that fits a long (validation made sure of that).</summary>
    public static long IntegerValue(ReadOnlySpan<byte> input, in Item item)
    {
        var digits = input[(item.Start + 1)..(item.End - 1)];
        bool negative = digits[0] == (byte)'-';
        ulong magnitude = 0;
        foreach (byte b in negative ? digits[1..] : digits)
        {
            magnitude = unchecked((magnitude * 10) + (ulong)(b - '0'));
        }

        return negative ? unchecked(-(long)magnitude) : (long)magnitude;
    }

    /// <summary>
    /// Enumerates a container item's children: for a dictionary, key then value alternately (the
    /// key is a byte string item), for a list its items.
    /// </summary>
    public ref struct Children
    {
        private readonly ReadOnlySpan<byte> _input;
        private int _position;

        public Children(ReadOnlySpan<byte> input, in Item container)
        {
            _input = input;
            _position = container.Start + 1;
        }

        /// <summary>The next child, or false at the container's end.</summary>
        public bool Next(out Item item)
        {
            if (_position >= _input.Length || _input[_position] == (byte)'e')
            {
                item = default;
                return false;
            }

            item = At(_input, _position);
            _position = item.End;
            return true;
        }
    }

    private static BencodeKind KindAt(ReadOnlySpan<byte> input, int start) => input[start] switch
    {
        (byte)'i' => BencodeKind.Integer,
        (byte)'l' => BencodeKind.List,
        (byte)'d' => BencodeKind.Dictionary,
        _ => BencodeKind.ByteString,
    };

    /// <summary>The offset just past the value starting at <paramref name="start"/>.</summary>
    private static int Skip(ReadOnlySpan<byte> input, int start)
    {
        int position = start;
        int open = 0;
        do
        {
            byte b = input[position];
            if (b == (byte)'i')
            {
                position += input[position..].IndexOf((byte)'e') + 1;
            }
            else if (b is (byte)'l' or (byte)'d')
            {
                open++;
                position++;
            }
            else if (b == (byte)'e')
            {
                open--;
                position++;
            }
            else
            {
                int colon = input[position..].IndexOf((byte)':');
                int length = 0;
                foreach (byte digit in input.Slice(position, colon))
                {
                    length = (length * 10) + (digit - '0');
                }

                position += colon + 1 + length;
            }
        }
        while (open > 0 && position < input.Length);

        return position;
    }
}
