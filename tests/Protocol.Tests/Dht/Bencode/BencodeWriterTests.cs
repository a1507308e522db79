using System.Buffers;
using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Tests.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Bencode;

public sealed class BencodeWriterTests
{
    private static string Encode(in BencodeValue value)
    {
        var buffer = new byte[BencodeWriter.GetEncodedLength(value)];
        Assert.Equal(buffer.Length, BencodeWriter.Write(value, buffer));
        return KrpcSamples.Text(buffer);
    }

    [Fact]
    public void Scalars_have_their_canonical_bytes()
    {
        Assert.Equal("i0e", Encode(BencodeValue.FromInteger(0)));
        Assert.Equal("i-42e", Encode(BencodeValue.FromInteger(-42)));
        Assert.Equal("i-9223372036854775808e", Encode(BencodeValue.FromInteger(long.MinValue)));
        Assert.Equal("4:spam", Encode(BencodeValue.FromString("spam")));
        Assert.Equal("0:", Encode(BencodeValue.FromBytes(ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void Dictionary_keys_are_sorted_by_raw_bytes_whatever_the_given_order()
    {
        var value = BencodeValue.Dictionary(
            ("y", BencodeValue.FromString("q")),
            ("t", BencodeValue.FromString("aa")),
            ("a", BencodeValue.Dictionary(("id", BencodeValue.FromString("abcdefghij0123456789")))),
            ("q", BencodeValue.FromString("ping")));
        Assert.Equal(KrpcSamples.PingQuery, Encode(value));
        Assert.Equal("d1:Zi1e1:ai2ee", Encode(BencodeValue.Dictionary(("a", BencodeValue.FromInteger(2)), ("Z", BencodeValue.FromInteger(1)))));
    }

    [Fact]
    public void Duplicate_keys_are_refused_when_building()
    {
        Assert.Throws<ArgumentException>(() =>
            BencodeValue.Dictionary(("a", BencodeValue.FromInteger(1)), ("a", BencodeValue.FromInteger(2))));
    }

    [Fact]
    public void Every_BEP5_example_round_trips_through_the_value_model()
    {
        foreach (var sample in KrpcSamples.All)
        {
            var bytes = KrpcSamples.Bytes(sample);
            var value = BencodeReader.Read(bytes);
            Assert.Equal(sample, Encode(value));
        }
    }

    [Fact]
    public void Writes_into_an_IBufferWriter()
    {
        var output = new ArrayBufferWriter<byte>();
        BencodeWriter.Write(BencodeValue.List(BencodeValue.FromInteger(1), BencodeValue.FromString("x")), output);
        Assert.Equal("li1e1:xe", KrpcSamples.Text(output.WrittenSpan));
    }

    [Fact]
    public void Too_small_a_destination_throws_instead_of_writing_past_it()
    {
        var buffer = new byte[5];
        Assert.Throws<ArgumentException>(() => BencodeWriter.Write(BencodeValue.FromString("spam"), buffer));
        Assert.Throws<ArgumentException>(() => BencodeWriter.Write(default(BencodeValue), new byte[8]));
    }

    [Fact]
    public void ToString_shows_the_encoding_with_escapes()
    {
        Assert.Equal("l1:\\x00i7ee", BencodeValue.List(BencodeValue.FromBytes(new byte[1]), BencodeValue.FromInteger(7)).ToString());
    }
}
