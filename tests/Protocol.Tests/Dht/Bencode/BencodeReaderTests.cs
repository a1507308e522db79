using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Tests.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Bencode;

public sealed class BencodeReaderTests
{
    private static BencodeValue Read(string text) => BencodeReader.Read(KrpcSamples.Bytes(text));

    private static BencodeErrorReason Reason(string text, BencodeLimits? limits = null)
    {
        Assert.False(BencodeReader.TryRead(KrpcSamples.Bytes(text), limits ?? BencodeLimits.Default, out var value, out var error));
        Assert.True(value.IsNone);
        return error.Reason;
    }

    [Theory]
    [InlineData("i0e", 0L)]
    [InlineData("i42e", 42L)]
    [InlineData("i-7e", -7L)]
    [InlineData("i9223372036854775807e", long.MaxValue)]
    [InlineData("i-9223372036854775808e", long.MinValue)]
    public void Canonical_integers_are_read(string text, long expected)
    {
        var value = Read(text);
        Assert.Equal(BencodeKind.Integer, value.Kind);
        Assert.Equal(expected, value.Integer);
    }

    [Fact]
    public void Byte_strings_are_slices_of_the_input_not_copies()
    {
        var input = KrpcSamples.Bytes("4:spam");
        var value = BencodeReader.Read(input);
        Assert.Equal(BencodeKind.ByteString, value.Kind);
        Assert.Equal("spam", KrpcSamples.Text(value.Bytes.Span));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(value.Bytes, out var segment));
        Assert.Same(input, segment.Array);
        Assert.Equal(2, segment.Offset);
    }

    [Fact]
    public void Empty_string_list_and_dictionary_are_read()
    {
        Assert.Equal(0, Read("0:").Bytes.Length);
        Assert.Equal(BencodeKind.List, Read("le").Kind);
        Assert.Equal(0, Read("le").Count);
        Assert.Equal(BencodeKind.Dictionary, Read("de").Kind);
    }

    [Fact]
    public void Nested_values_and_dictionary_lookup()
    {
        var value = Read("d3:bar4:spam3:fooi42e4:listl1:ai-1eee");
        Assert.Equal(3, value.Count);
        Assert.Equal("spam", KrpcSamples.Text(value.Get("bar"u8).Bytes.Span));
        Assert.Equal(42, value.Get("foo"u8).Integer);
        var list = value.Get("list"u8);
        Assert.Equal(2, list.Count);
        Assert.Equal(-1, list[1].Integer);
        Assert.True(value.Get("zzz"u8).IsNone);
        Assert.True(value.Get("ba"u8).IsNone);
        Assert.Equal("bar", KrpcSamples.Text(value.KeyAt(0).Span));
    }

    [Fact]
    public void Keys_compare_as_raw_unsigned_bytes()
    {
        // "Z" (0x5a) < "a" (0x61) < "\u00ff": byte order, not culture or case order.
        Assert.Equal(3, Read("d1:Zi1e1:ai2e1:\u00ffi3ee").Count);
        Assert.Equal(BencodeErrorReason.KeysOutOfOrder, Reason("d1:\u00ffi3e1:ai2ee"));
        // A key that is a prefix of another sorts first.
        Assert.Equal(2, Read("d5:nodesi1e6:nodes6i2ee").Count);
        Assert.Equal(BencodeErrorReason.KeysOutOfOrder, Reason("d6:nodes6i2e5:nodesi1ee"));
    }

    // Every non-canonical or broken form, one named case each.
    [Theory]
    [InlineData("integer with leading zero", "i03e", BencodeErrorReason.IntegerLeadingZero)]
    [InlineData("integer zero written twice", "i00e", BencodeErrorReason.IntegerLeadingZero)]
    [InlineData("negative integer with leading zero", "i-03e", BencodeErrorReason.IntegerLeadingZero)]
    [InlineData("negative zero", "i-0e", BencodeErrorReason.NegativeZero)]
    [InlineData("empty integer", "ie", BencodeErrorReason.EmptyInteger)]
    [InlineData("minus sign alone", "i-e", BencodeErrorReason.EmptyInteger)]
    [InlineData("plus sign", "i+1e", BencodeErrorReason.UnexpectedByte)]
    [InlineData("integer above long.MaxValue", "i9223372036854775808e", BencodeErrorReason.IntegerOverflow)]
    [InlineData("integer below long.MinValue", "i-9223372036854775809e", BencodeErrorReason.IntegerOverflow)]
    [InlineData("integer with a space", "i4 2e", BencodeErrorReason.UnexpectedByte)]
    [InlineData("string length with leading zero", "04:spam", BencodeErrorReason.StringLengthLeadingZero)]
    [InlineData("zero string length written twice", "00:", BencodeErrorReason.StringLengthLeadingZero)]
    [InlineData("string length without colon", "4spam", BencodeErrorReason.UnexpectedByte)]
    [InlineData("negative string length", "-1:a", BencodeErrorReason.UnexpectedByte)]
    [InlineData("dictionary keys out of order", "d1:bi1e1:ai2ee", BencodeErrorReason.KeysOutOfOrder)]
    [InlineData("duplicate dictionary key", "d1:ai1e1:ai2ee", BencodeErrorReason.DuplicateKey)]
    [InlineData("integer dictionary key", "di1ei2ee", BencodeErrorReason.KeyNotByteString)]
    [InlineData("list dictionary key", "dlei2ee", BencodeErrorReason.KeyNotByteString)]
    [InlineData("dictionary key without value", "d1:ae", BencodeErrorReason.UnexpectedByte)]
    [InlineData("trailing byte after the value", "i1ex", BencodeErrorReason.TrailingBytes)]
    [InlineData("two top-level values", "dede", BencodeErrorReason.TrailingBytes)]
    [InlineData("unknown type byte", "x", BencodeErrorReason.UnexpectedByte)]
    [InlineData("stray end byte", "e", BencodeErrorReason.UnexpectedByte)]
    [InlineData("empty input", "", BencodeErrorReason.Truncated)]
    [InlineData("truncated integer", "i42", BencodeErrorReason.Truncated)]
    [InlineData("truncated string", "5:abc", BencodeErrorReason.Truncated)]
    [InlineData("truncated string length", "12", BencodeErrorReason.Truncated)]
    [InlineData("unterminated list", "li1e", BencodeErrorReason.Truncated)]
    [InlineData("unterminated dictionary", "d1:ai1e", BencodeErrorReason.Truncated)]
    [InlineData("truncated KRPC message", "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q", BencodeErrorReason.Truncated)]
    [InlineData("huge string length", "99999999999:", BencodeErrorReason.StringLengthTooLarge)]
    [InlineData("string length past any datagram", "1501:x", BencodeErrorReason.StringLengthTooLarge)]
    public void Non_canonical_or_broken_input_is_rejected(string name, string text, BencodeErrorReason expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, Reason(text));
        var thrown = Assert.Throws<BencodeException>(() => Read(text));
        Assert.Equal(expected, thrown.Reason);
    }

    [Fact]
    public void Error_offset_points_at_the_offending_byte()
    {
        Assert.False(BencodeReader.TryRead(KrpcSamples.Bytes("d1:bi1e1:ai2ee"), out _, out var error));
        Assert.Equal(new BencodeReadError(BencodeErrorReason.KeysOutOfOrder, 7), error);
    }

    [Fact]
    public void Depth_bomb_is_stopped_at_the_limit()
    {
        string Nested(int depth) => new string('l', depth) + new string('e', depth);
        Assert.Equal(BencodeKind.List, Read(Nested(BencodeLimits.DefaultMaxDepth)).Kind);
        Assert.Equal(BencodeErrorReason.DepthExceeded, Reason(Nested(BencodeLimits.DefaultMaxDepth + 1)));
        // A bomb that never closes is refused at the limit, not read to the end.
        Assert.Equal(BencodeErrorReason.DepthExceeded, Reason(new string('l', 1400)));
        Assert.Equal(BencodeErrorReason.DepthExceeded, Reason(new string('d', 1) + string.Concat(Enumerable.Repeat("1:ad", 300))));
    }

    [Fact]
    public void Element_count_and_input_size_limits_are_enforced()
    {
        var limits = new BencodeLimits(MaxDepth: 4, MaxElements: 10, MaxInputSize: 64);
        Assert.True(BencodeReader.TryRead(KrpcSamples.Bytes("l" + string.Concat(Enumerable.Repeat("i1e", 9)) + "e"), limits, out _, out _));
        Assert.Equal(BencodeErrorReason.TooManyElements, Reason("l" + string.Concat(Enumerable.Repeat("i1e", 10)) + "e", limits));
        Assert.Equal(BencodeErrorReason.InputTooLarge, Reason(new string('0', 65), limits));
        Assert.Equal(BencodeErrorReason.InputTooLarge, Reason("1501:" + new string('x', 1501)));
        // The datagram-sized default still reads a list of a full datagram's worth of small values.
        string full = "l" + string.Concat(Enumerable.Repeat("0:", 500)) + "e";
        Assert.Equal(500, Read(full).Count);
    }

    [Fact]
    public void Huge_length_prefix_allocates_nothing()
    {
        var input = KrpcSamples.Bytes("99999999999:");
        for (int i = 0; i < 100; i++)
        {
            BencodeReader.TryRead(input, out _, out _);
        }

        int refused = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (!BencodeReader.TryRead(input, out _, out var error) && error.Reason == BencodeErrorReason.StringLengthTooLarge)
            {
                refused++;
            }
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, refused);
        Assert.Equal(0, allocated);
    }
}
