using System.Text;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Dht.Lan;

/// <summary>Literal bytes of BEP 14 "Protocol" announces, written and read back (STYLE.md 10).</summary>
public sealed class LsdGoldenTests
{
    private static readonly NodeId Torrent = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");
    private static readonly NodeId Node = NodeId.Parse("fedcba9876543210fedcba9876543210fedcba98");

    // BEP 14's example layout, filled in: request line, Host, Port, Infohash, cookie, two empty lines.
    private const string Bep14Example =
        "BT-SEARCH * HTTP/1.1\r\n" +
        "Host: 239.192.152.143:6771\r\n" +
        "Port: 6881\r\n" +
        "Infohash: 0123456789abcdef0123456789abcdef01234567\r\n" +
        "cookie: 5a1f0c\r\n" +
        "\r\n" +
        "\r\n";

    [Fact]
    public void Writes_the_bep14_example_byte_for_byte()
    {
        var message = new LsdMessage(LsdSpec.IPv4Host, 6881, [Torrent], "5a1f0c");
        Assert.Equal(Bep14Example, Encode(message));
        Assert.Equal(Bep14Example.Length, LsdMessage.GetEncodedLength(message));
    }

    [Fact]
    public void Reads_the_bep14_example()
    {
        Assert.True(LsdMessage.TryRead(Encoding.ASCII.GetBytes(Bep14Example), out var message, out var error), error.ToString());
        Assert.Equal(LsdSpec.IPv4Host, message.Host);
        Assert.Equal(6881, message.Port);
        Assert.Equal([Torrent], message.Infohashes.ToArray());
        Assert.Equal("5a1f0c", message.Cookie);
        Assert.Null(message.PicoTalkId);
    }

    [Fact]
    public void Writes_a_picotalk_announce_for_the_ipv6_group_with_our_id_header()
    {
        var message = new LsdMessage(LsdSpec.IPv6Host, 5004, [LsdPicoTalk.Infohash], "00ff", Node);
        Assert.Equal(
            "BT-SEARCH * HTTP/1.1\r\n" +
            "Host: [ff15::efc0:988f]:6771\r\n" +
            "Port: 5004\r\n" +
            "Infohash: 3c50c313b99dc647be51fb2683673f67da533ca3\r\n" +
            "cookie: 00ff\r\n" +
            "X-PicoTalk-Id: fedcba9876543210fedcba9876543210fedcba98\r\n" +
            "\r\n" +
            "\r\n",
            Encode(message));
    }

    [Fact]
    public void Writes_several_infohashes_as_consecutive_headers_without_a_cookie()
    {
        var message = new LsdMessage(LsdSpec.IPv4Host, 1, [Torrent, Node]);
        Assert.Equal(
            "BT-SEARCH * HTTP/1.1\r\n" +
            "Host: 239.192.152.143:6771\r\n" +
            "Port: 1\r\n" +
            "Infohash: 0123456789abcdef0123456789abcdef01234567\r\n" +
            "Infohash: fedcba9876543210fedcba9876543210fedcba98\r\n" +
            "\r\n" +
            "\r\n",
            Encode(message));
    }

    [Fact]
    public void The_picotalk_infohash_is_sha1_of_the_well_known_string()
    {
        // sha1("picotalk-appliance-lan-v1"), computed outside .NET.
        Assert.Equal("3c50c313b99dc647be51fb2683673f67da533ca3", LsdPicoTalk.Infohash.ToString());
    }

    [Fact]
    public void Reads_what_other_clients_send_mixed_case_names_extra_whitespace_unknown_headers_one_final_crlf()
    {
        const string text =
            "BT-SEARCH * HTTP/1.1\r\n" +
            "HOST:239.192.152.143:6771\r\n" +
            "User-Agent: SomeClient/1.0 (x)\r\n" +
            "port: \t65535  \r\n" +
            "INFOHASH: 0123456789ABCDEF0123456789ABCDEF01234567\r\n" +
            "infohash:fedcba9876543210fedcba9876543210fedcba98\r\n" +
            "Cookie: x\r\n" +
            "x-picotalk-id: FEDCBA9876543210FEDCBA9876543210FEDCBA98\r\n" +
            "\r\n";
        Assert.True(LsdMessage.TryRead(Encoding.ASCII.GetBytes(text), out var message, out var error), error.ToString());
        Assert.Equal(65535, message.Port);
        Assert.Equal([Torrent, Node], message.Infohashes.ToArray());
        Assert.Equal("x", message.Cookie);
        Assert.Equal(Node, message.PicoTalkId);
        Assert.True(message.Announces(Node));
        Assert.False(message.Announces(LsdPicoTalk.Infohash));
    }

    [Fact]
    public void Round_trips_a_message_of_every_maximum_and_stays_under_1400_bytes()
    {
        var hashes = Enumerable.Range(0, LsdPicoTalk.MaxInfohashes).Select(_ => NodeId.Random()).ToArray();
        var message = new LsdMessage(new string('h', LsdPicoTalk.MaxHostLength), 65535, hashes,
            new string('~', LsdPicoTalk.MaxCookieLength), Node);
        var bytes = new byte[LsdSpec.MaxDatagram];
        int written = LsdMessage.Write(message, bytes);
        Assert.True(written <= LsdSpec.MaxDatagram);
        Assert.True(LsdMessage.TryRead(bytes.AsSpan(0, written), out var back, out var error), error.ToString());
        Assert.Equal(message, back);
    }

    private static string Encode(LsdMessage message)
    {
        var buffer = new byte[LsdSpec.MaxDatagram];
        int written = LsdMessage.Write(message, buffer);
        return Encoding.ASCII.GetString(buffer, 0, written);
    }
}
