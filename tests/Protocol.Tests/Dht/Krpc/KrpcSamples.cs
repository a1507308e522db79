using System.Text;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// The example packets of BEP 5 ("DHT Queries", "Errors"), byte for byte as the BEP prints them,
/// and our own BEP 32 examples (the BEP gives none in bytes). Latin-1 maps "\xNN" to byte NN.
/// </summary>
internal static class KrpcSamples
{
    // BEP 5 "ping".
    public const string PingQuery = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    public const string PingResponse = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";

    // BEP 5 "find_node". Its response example holds the placeholder "def456..." (9 bytes), which is
    // not a whole number of 26-byte entries: valid bencode, but a malformed KRPC message.
    public const string FindNodeQuery = "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
    public const string FindNodeResponsePlaceholder = "d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re";

    // BEP 5 "get_peers".
    public const string GetPeersQuery = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
    public const string GetPeersValuesResponse = "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
    public const string GetPeersNodesResponsePlaceholder = "d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re";

    // BEP 5 "announce_peer" (current text, with implied_port).
    public const string AnnouncePeerQuery =
        "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
    public const string AnnouncePeerResponse = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";

    // BEP 5 "Errors".
    public const string GenericError = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";

    // The BEP 5 find_node response with a real 26-byte entry in place of "def456...":
    // node "mnopqrstuvwxyz123456" at 192.0.2.7:6881 (c0 00 02 07, 1a e1).
    public const string FindNodeResponse =
        "d1:rd2:id20:0123456789abcdefghij5:nodes26:mnopqrstuvwxyz123456\u00c0\u0000\u0002\u0007\u001a\u00e1e1:t2:aa1:y1:re";

    // BEP 32 "want" and "nodes6": find_node asking for both families, and an answer with one
    // IPv4 node and one IPv6 node, 2001:db8::1 port 6881.
    public const string FindNodeWantBothQuery =
        "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:find_node1:t2:aa1:y1:qe";
    public const string FindNodeNodes6Response =
        "d1:rd2:id20:0123456789abcdefghij5:nodes26:mnopqrstuvwxyz123456\u00c0\u0000\u0002\u0007\u001a\u00e1"
        + "6:nodes638:abcdefghij0123456789\u0020\u0001\u000d\u00b8\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001\u001a\u00e1"
        + "e1:t2:aa1:y1:re";

    // Our own envelope fields: "v" = "PT" 0x0001 and BEP 43 "ro" on a query; BEP 42 "ip"
    // (198.51.100.9:5004) on a response; and a method no BEP defines.
    public const string OurGetPeersQuery =
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:wantl2:n6ee"
        + "1:q9:get_peers2:roi1e1:t2:\u0012\u00341:v4:PT\u0000\u00011:y1:qe";
    public const string OurResponseWithAddress = "d2:ip6:\u00c6\u0033\u0064\u0009\u0013\u008c1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    public const string UnknownMethodQuery = "d1:ad2:id20:abcdefghij01234567895:valuei7ee1:q10:vote_later1:t3:xyz1:y1:qe";

    public static readonly string[] All =
    [
        PingQuery, PingResponse, FindNodeQuery, FindNodeResponsePlaceholder, GetPeersQuery, GetPeersValuesResponse,
        GetPeersNodesResponsePlaceholder, AnnouncePeerQuery, AnnouncePeerResponse, GenericError, FindNodeResponse,
        FindNodeWantBothQuery, FindNodeNodes6Response, OurGetPeersQuery, OurResponseWithAddress, UnknownMethodQuery,
    ];

    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
