using System.Buffers;

namespace PicoTalk.Protocol.Dht.Bencode;

/// <summary>
/// A strict bencode reader (BEP 3 "bencoding") that accepts only the canonical encoding, so that a
/// value has exactly one byte form and a message can be re-encoded to the bytes it came in as.
/// </summary>
/// <remarks>
/// <code>
/// integer     i [-] digits e        "i42e", "i-7e", "i0e"; never "i-0e", "i07e", "ie"
/// byte string length : bytes        "4:spam", "0:";         never "04:spam"
/// list        l value* e            "l4:spami42ee"
/// dictionary  d (string value)* e   keys strictly ascending by raw bytes, no duplicates
/// </code>
/// Every failure is a <see cref="BencodeReadError"/>; <see cref="TryRead(ReadOnlyMemory{byte}, out BencodeValue, out BencodeReadError)"/>
/// throws nothing whatever the bytes. Lengths are checked against the input before any slice is
/// taken, so "99999999999:" costs nothing. Byte strings are slices of the input, not copies; the
/// only allocations are one array per non-empty list or dictionary.
/// </remarks>
public static class BencodeReader
{
    private const byte IntegerStart = (byte)'i';
    private const byte ListStart = (byte)'l';
    private const byte DictionaryStart = (byte)'d';
    private const byte End = (byte)'e';
    private const byte Minus = (byte)'-';
    private const byte LengthSeparator = (byte)':';

    // |long.MinValue| and long.MaxValue as unsigned magnitudes.
    private const ulong MaxNegativeMagnitude = 1UL << 63;
    private const ulong MaxPositiveMagnitude = (1UL << 63) - 1;

    // Every value takes at least two bytes ("0:", "le", "de"; integers three), so an input of n
    // bytes holds at most n / 2 values: the scratch stack never needs more.
    private const int MinBytesPerValue = 2;

    public static bool TryRead(ReadOnlyMemory<byte> input, out BencodeValue value, out BencodeReadError error) =>
        TryRead(input, BencodeLimits.Default, out value, out error);

    public static bool TryRead(ReadOnlyMemory<byte> input, BencodeLimits limits, out BencodeValue value, out BencodeReadError error)
    {
        value = default;
        if (input.Length > limits.MaxInputSize)
        {
            error = new BencodeReadError(BencodeErrorReason.InputTooLarge, limits.MaxInputSize);
            return false;
        }

        int scratchSize = ScratchSize(input.Length, limits);
        var scratch = ArrayPool<BencodeValue>.Shared.Rent(scratchSize);
        var parser = new Parser(input, limits, scratch, scratch.Length);
        bool ok = parser.ReadValue(0, out value);
        if (ok && parser.Position != input.Length)
        {
            parser.Fail(BencodeErrorReason.TrailingBytes, parser.Position);
            ok = false;
        }

        // Cleared so the pool does not keep the datagram alive through the slices.
        ArrayPool<BencodeValue>.Shared.Return(scratch, clearArray: true);
        error = parser.Error;
        if (!ok)
        {
            value = default;
        }

        return ok;
    }

    /// <summary>
    /// Checks that <paramref name="input"/> is exactly one canonical value within
    /// <paramref name="limits"/>, with the same rules and the same first error as
    /// <see cref="TryRead(ReadOnlyMemory{byte}, BencodeLimits, out BencodeValue, out BencodeReadError)"/>,
    /// but builds nothing and allocates nothing: the receive path validates, then reads the few
    /// fields it needs with <see cref="BencodeCursor"/>.
    /// </summary>
    public static bool Validate(ReadOnlySpan<byte> input, BencodeLimits limits, out BencodeReadError error)
    {
        if (input.Length > limits.MaxInputSize)
        {
            error = new BencodeReadError(BencodeErrorReason.InputTooLarge, limits.MaxInputSize);
            return false;
        }

        var parser = new Parser(input, limits, scratch: null, ScratchSize(input.Length, limits));
        bool ok = parser.ReadValue(0, out _);
        if (ok && parser.Position != input.Length)
        {
            parser.Fail(BencodeErrorReason.TrailingBytes, parser.Position);
            ok = false;
        }

        error = parser.Error;
        return ok;
    }

    private static int ScratchSize(int inputLength, BencodeLimits limits) =>
        Math.Max(1, Math.Min(limits.MaxElements, (inputLength / MinBytesPerValue) + 1));

    /// <summary>Reads one value or throws <see cref="BencodeException"/> (for callers that are not on the receive path).</summary>
    public static BencodeValue Read(ReadOnlyMemory<byte> input, BencodeLimits? limits = null) =>
        TryRead(input, limits ?? BencodeLimits.Default, out var value, out var error) ? value : throw new BencodeException(error);

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>
    /// The one parser behind <see cref="TryRead(ReadOnlyMemory{byte}, BencodeLimits, out BencodeValue, out BencodeReadError)"/>
    /// and <see cref="Validate"/>: with no scratch it checks everything and builds nothing (no
    /// slices, no container arrays), so both accept exactly the same inputs.
    /// </summary>
    private ref struct Parser
    {
        private readonly ReadOnlySpan<byte> _span;
        private readonly ReadOnlyMemory<byte> _input;
        private readonly BencodeLimits _limits;
        private readonly BencodeValue[]? _scratch;
        private readonly int _capacity;
        private int _top;
        private int _elements;

        // Where the last byte string read lies, for the dictionary key order check.
        private int _stringStart;
        private int _stringLength;

        public Parser(ReadOnlyMemory<byte> input, BencodeLimits limits, BencodeValue[] scratch, int capacity)
            : this(input.Span, limits, scratch, capacity)
        {
            _input = input;
        }

        public Parser(ReadOnlySpan<byte> input, BencodeLimits limits, BencodeValue[]? scratch, int capacity)
        {
            _span = input;
            _input = default;
            _limits = limits;
            _scratch = scratch;
            _capacity = capacity;
            _top = 0;
            _elements = 0;
            _stringStart = 0;
            _stringLength = 0;
            Position = 0;
            Error = default;
        }

        public int Position { get; private set; }

        public BencodeReadError Error { get; private set; }

        public bool Fail(BencodeErrorReason reason, int offset)
        {
            Error = new BencodeReadError(reason, offset);
            return false;
        }

        /// <param name="depth">Containers already open around this value.</param>
        public bool ReadValue(int depth, out BencodeValue value)
        {
            value = default;
            var span = _span;
            if (Position >= span.Length)
            {
                return Fail(BencodeErrorReason.Truncated, Position);
            }

            if (++_elements > _limits.MaxElements)
            {
                return Fail(BencodeErrorReason.TooManyElements, Position);
            }

            byte first = span[Position];
            return first switch
            {
                IntegerStart => ReadInteger(out value),
                ListStart => ReadContainer(BencodeKind.List, depth + 1, out value),
                DictionaryStart => ReadContainer(BencodeKind.Dictionary, depth + 1, out value),
                _ when IsDigit(first) => ReadByteString(out value),
                _ => Fail(BencodeErrorReason.UnexpectedByte, Position),
            };
        }

        private bool ReadInteger(out BencodeValue value)
        {
            value = default;
            var span = _span;
            int pos = Position + 1;
            bool negative = pos < span.Length && span[pos] == Minus;
            if (negative)
            {
                pos++;
            }

            ulong limit = negative ? MaxNegativeMagnitude : MaxPositiveMagnitude;
            int digitsStart = pos;
            ulong magnitude = 0;
            while (pos < span.Length && IsDigit(span[pos]))
            {
                ulong digit = (ulong)(span[pos] - '0');
                if (magnitude > (limit - digit) / 10)
                {
                    return Fail(BencodeErrorReason.IntegerOverflow, digitsStart);
                }

                magnitude = (magnitude * 10) + digit;
                pos++;
            }

            if (pos >= span.Length)
            {
                return Fail(BencodeErrorReason.Truncated, pos);
            }

            if (span[pos] != End)
            {
                return Fail(BencodeErrorReason.UnexpectedByte, pos);
            }

            int digits = pos - digitsStart;
            if (digits == 0)
            {
                return Fail(BencodeErrorReason.EmptyInteger, digitsStart);
            }

            if (span[digitsStart] == (byte)'0' && digits > 1)
            {
                return Fail(BencodeErrorReason.IntegerLeadingZero, digitsStart);
            }

            if (negative && magnitude == 0)
            {
                return Fail(BencodeErrorReason.NegativeZero, digitsStart);
            }

            // magnitude <= 2^63 when negative: unchecked negation maps 2^63 to long.MinValue.
            value = BencodeValue.FromInteger(negative ? unchecked(-(long)magnitude) : (long)magnitude);
            Position = pos + 1;
            return true;
        }

        private bool ReadByteString(out BencodeValue value)
        {
            value = default;
            var span = _span;
            int start = Position;
            int pos = start;
            long length = 0;
            while (pos < span.Length && IsDigit(span[pos]))
            {
                // Stop at the first digit that makes the length impossible: no big number is built.
                length = (length * 10) + (span[pos] - '0');
                if (length > _limits.MaxInputSize)
                {
                    return Fail(BencodeErrorReason.StringLengthTooLarge, start);
                }

                pos++;
            }

            if (pos >= span.Length)
            {
                return Fail(BencodeErrorReason.Truncated, pos);
            }

            if (span[pos] != LengthSeparator)
            {
                return Fail(BencodeErrorReason.UnexpectedByte, pos);
            }

            if (span[start] == (byte)'0' && pos - start > 1)
            {
                return Fail(BencodeErrorReason.StringLengthLeadingZero, start);
            }

            pos++;
            if (length > span.Length - pos)
            {
                return Fail(BencodeErrorReason.Truncated, span.Length);
            }

            _stringStart = pos;
            _stringLength = (int)length;
            value = _scratch is null ? default : BencodeValue.FromBytes(_input.Slice(pos, (int)length));
            Position = pos + (int)length;
            return true;
        }

        private bool ReadContainer(BencodeKind kind, int depth, out BencodeValue value)
        {
            value = default;
            if (depth > _limits.MaxDepth)
            {
                return Fail(BencodeErrorReason.DepthExceeded, Position);
            }

            Position++;
            int first = _top;
            int previousKeyStart = 0, previousKeyLength = 0;
            bool isDictionary = kind == BencodeKind.Dictionary;
            while (true)
            {
                var span = _span;
                if (Position >= span.Length)
                {
                    return Fail(BencodeErrorReason.Truncated, Position);
                }

                if (span[Position] == End)
                {
                    Position++;
                    break;
                }

                if (isDictionary)
                {
                    int keyOffset = Position;
                    if (!IsDigit(span[Position]))
                    {
                        bool isValueStart = span[Position] is IntegerStart or ListStart or DictionaryStart;
                        return Fail(isValueStart ? BencodeErrorReason.KeyNotByteString : BencodeErrorReason.UnexpectedByte, keyOffset);
                    }

                    if (!ReadValue(depth, out var key))
                    {
                        return false;
                    }

                    if (_top > first)
                    {
                        int order = span.Slice(previousKeyStart, previousKeyLength)
                            .SequenceCompareTo(span.Slice(_stringStart, _stringLength));
                        if (order == 0)
                        {
                            return Fail(BencodeErrorReason.DuplicateKey, keyOffset);
                        }

                        if (order > 0)
                        {
                            return Fail(BencodeErrorReason.KeysOutOfOrder, keyOffset);
                        }
                    }

                    previousKeyStart = _stringStart;
                    previousKeyLength = _stringLength;
                    if (!Push(key, keyOffset))
                    {
                        return false;
                    }

                    if (Position < span.Length && span[Position] == End)
                    {
                        return Fail(BencodeErrorReason.UnexpectedByte, Position); // a key with no value
                    }
                }

                int itemOffset = Position;
                if (!ReadValue(depth, out var item) || !Push(item, itemOffset))
                {
                    return false;
                }
            }

            int count = _top - first;
            _top = first;
            if (_scratch is null)
            {
                return true;
            }

            BencodeValue[] items = count == 0 ? [] : _scratch.AsSpan(first, count).ToArray();
            _scratch.AsSpan(first, count).Clear();
            value = BencodeValue.FromCheckedContainer(kind, items);
            return true;
        }

        private bool Push(in BencodeValue item, int offset)
        {
            if (_top == _capacity)
            {
                return Fail(BencodeErrorReason.TooManyElements, offset);
            }

            if (_scratch is not null)
            {
                _scratch[_top] = item;
            }

            _top++;
            return true;
        }
    }
}
