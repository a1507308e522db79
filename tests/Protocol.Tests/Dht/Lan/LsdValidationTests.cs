using System.Text;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Dht.Lan;

/// <summary>Each strict rule of the reader refuses what it should, with the error that names it.</summary>
public sealed class LsdValidationTests
{
    private const string Hash = "0123456789abcdef0123456789abcdef01234567";
    private const string Head = "BT-SEARCH * HTTP/1.1\r\n";
    private const string Host = "Host: 239.192.152.143:6771\r\n";
    private const string Port = "Port: 5004\r\n";
    private const string Infohash = "Infohash: " + Hash + "\r\n";
    private const string End = "\r\n\r\n";

    [Theory]
    [InlineData(Head + Host + Port + Infohash + End, LsdParseError.None)]
    [InlineData(Head + Host + Port + Infohash + "\r\n", LsdParseError.None)]
    [InlineData("", LsdParseError.BadSize)]
    [InlineData("bt-search * HTTP/1.1\r\n" + Host + Port + Infohash + End, LsdParseError.BadRequestLine)]
    [InlineData("BT-SEARCH * HTTP/1.0\r\n" + Host + Port + Infohash + End, LsdParseError.BadRequestLine)]
    [InlineData("M-SEARCH * HTTP/1.1\r\n" + Host + Port + Infohash + End, LsdParseError.BadRequestLine)]
    [InlineData("BT-SEARCH * HTTP/1.1\n" + Host + Port + Infohash + End, LsdParseError.BadLineEnding)]
    [InlineData(Head + "Host: 239.192.152.143:6771\n" + Port + Infohash + End, LsdParseError.BadLineEnding)]
    [InlineData(Head + "Host: 239.192\r.152.143:6771\r\n" + Port + Infohash + End, LsdParseError.BadLineEnding)]
    [InlineData(Head + Host + Port + Infohash, LsdParseError.BadLineEnding)]
    [InlineData(Head + Host + Port + "Infohash: " + Hash, LsdParseError.BadLineEnding)]
    [InlineData(Head + Host + "Port : 5004\r\n" + Infohash + End, LsdParseError.BadHeaderLine)]
    [InlineData(Head + Host + " Port: 5004\r\n" + Infohash + End, LsdParseError.BadHeaderLine)]
    [InlineData(Head + Host + ": 5004\r\n" + Infohash + End, LsdParseError.BadHeaderLine)]
    [InlineData(Head + Host + "Port 5004\r\n" + Infohash + End, LsdParseError.BadHeaderLine)]
    [InlineData(Head + Host + Port + Infohash + "X-Note: a\u0001b\r\n" + End, LsdParseError.BadHeaderValue)]
    [InlineData(Head + Host + Host + Port + Infohash + End, LsdParseError.DuplicateHeader)]
    [InlineData(Head + Host + Port + "port: 5004\r\n" + Infohash + End, LsdParseError.DuplicateHeader)]
    [InlineData(Head + Host + Port + Infohash + "cookie: a\r\ncookie: b\r\n" + End, LsdParseError.DuplicateHeader)]
    [InlineData(Head + Port + Infohash + End, LsdParseError.MissingHost)]
    [InlineData(Head + Host + Infohash + End, LsdParseError.MissingPort)]
    [InlineData(Head + Host + Port + End, LsdParseError.MissingInfohash)]
    [InlineData(Head + "Host: \r\n" + Port + Infohash + End, LsdParseError.BadHost)]
    [InlineData(Head + "Host: evil host\r\n" + Port + Infohash + End, LsdParseError.BadHost)]
    [InlineData(Head + Host + "Port: 0\r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + "Port: 65536\r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + "Port: 000001\r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + "Port: -1\r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + "Port: 50 04\r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + "Port: \r\n" + Infohash + End, LsdParseError.BadPort)]
    [InlineData(Head + Host + Port + "Infohash: " + Hash + "0\r\n" + End, LsdParseError.BadInfohash)]
    [InlineData(Head + Host + Port + "Infohash: 0123456789abcdef0123456789abcdef0123456\r\n" + End, LsdParseError.BadInfohash)]
    [InlineData(Head + Host + Port + "Infohash: g123456789abcdef0123456789abcdef01234567\r\n" + End, LsdParseError.BadInfohash)]
    [InlineData(Head + Host + Port + Infohash + "cookie: a b\r\n" + End, LsdParseError.BadCookie)]
    [InlineData(Head + Host + Port + Infohash + "cookie:\r\n" + End, LsdParseError.BadCookie)]
    [InlineData(Head + Host + Port + Infohash + "X-PicoTalk-Id: 1234\r\n" + End, LsdParseError.BadPicoTalkId)]
    [InlineData(Head + Host + Port + Infohash + End + "x", LsdParseError.TrailingData)]
    [InlineData(Head + Host + Port + Infohash + "\r\n\r", LsdParseError.TrailingData)]
    public void Reader_names_what_is_wrong(string text, LsdParseError expected)
    {
        LsdMessage.TryRead(Encoding.ASCII.GetBytes(text), out _, out var error);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Refuses_a_high_byte_in_a_value()
    {
        var bytes = Encoding.ASCII.GetBytes(Head + Host + Port + Infohash + "X-Note: ab\r\n" + End);
        bytes[Array.IndexOf(bytes, (byte)'b')] = 0xE9;
        Assert.False(LsdMessage.TryRead(bytes, out _, out var error));
        Assert.Equal(LsdParseError.BadHeaderValue, error);
    }

    [Fact]
    public void Refuses_datagrams_over_1400_bytes_even_if_well_formed()
    {
        string padding = "X-Pad: " + new string('p', 1400) + "\r\n";
        Assert.False(LsdMessage.TryRead(Encoding.ASCII.GetBytes(Head + Host + Port + Infohash + padding + End), out _, out var error));
        Assert.Equal(LsdParseError.BadSize, error);
    }

    [Fact]
    public void Counts_unknown_headers_towards_the_header_limit()
    {
        string Unknown(int n) => string.Concat(Enumerable.Range(0, n).Select(i => $"X{i}: v\r\n"));
        int known = 3;
        string fits = Head + Host + Port + Infohash + Unknown(LsdPicoTalk.MaxHeaders - known) + End;
        string over = Head + Host + Port + Infohash + Unknown(LsdPicoTalk.MaxHeaders - known + 1) + End;
        Assert.True(LsdMessage.TryRead(Encoding.ASCII.GetBytes(fits), out _));
        Assert.False(LsdMessage.TryRead(Encoding.ASCII.GetBytes(over), out _, out var error));
        Assert.Equal(LsdParseError.TooManyHeaders, error);
    }

    [Fact]
    public void Refuses_more_infohashes_than_the_limit()
    {
        string hashes = string.Concat(Enumerable.Repeat(Infohash, LsdPicoTalk.MaxInfohashes + 1));
        Assert.False(LsdMessage.TryRead(Encoding.ASCII.GetBytes(Head + Host + Port + hashes + End), out _, out var error));
        Assert.Equal(LsdParseError.TooManyInfohashes, error);
    }

    [Fact]
    public void Constructor_refuses_what_could_not_be_read_back()
    {
        NodeId[] one = [NodeId.Random()];
        Assert.Throws<ArgumentException>(() => new LsdMessage("", 1, one));
        Assert.Throws<ArgumentException>(() => new LsdMessage("a b", 1, one));
        Assert.Throws<ArgumentException>(() => new LsdMessage(new string('h', LsdPicoTalk.MaxHostLength + 1), 1, one));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LsdMessage(LsdSpec.IPv4Host, 0, one));
        Assert.Throws<ArgumentException>(() => new LsdMessage(LsdSpec.IPv4Host, 1, []));
        Assert.Throws<ArgumentException>(() => new LsdMessage(LsdSpec.IPv4Host, 1, new NodeId[LsdPicoTalk.MaxInfohashes + 1]));
        Assert.Throws<ArgumentException>(() => new LsdMessage(LsdSpec.IPv4Host, 1, one, "has space"));
        Assert.Throws<ArgumentException>(() => new LsdMessage(LsdSpec.IPv4Host, 1, one, ""));
    }

    [Fact]
    public void Write_refuses_a_short_destination_and_a_default_message()
    {
        var message = new LsdMessage(LsdSpec.IPv4Host, 5004, [NodeId.Random()], "c");
        int length = LsdMessage.GetEncodedLength(message);
        var buffer = new byte[length - 1];
        Assert.Throws<ArgumentException>(() => LsdMessage.Write(message, buffer));
        Assert.False(LsdMessage.TryWrite(message, buffer, out _));
        Assert.True(LsdMessage.TryWrite(message, new byte[length], out int written));
        Assert.Equal(length, written);
        Assert.Throws<ArgumentException>(() => LsdMessage.Write(default, new byte[LsdSpec.MaxDatagram]));
    }
}
