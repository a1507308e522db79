using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Wire;
using static PicoTalk.Protocol.Tests.Dht.Krpc.KrpcSamples;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>Invalid arguments and malformed envelopes yield a 203 with a clear message (BEP 5 "Errors").</summary>
public sealed class KrpcValidationTests
{
    private const string Id20 = "2:id20:abcdefghij0123456789";
    private const string Hash20 = "9:info_hash20:mnopqrstuvwxyz123456";

    private static string Query(string method, string arguments) =>
        $"d1:ad{arguments}e1:q{method.Length}:{method}1:t2:aa1:y1:qe";

    private static KrpcParseError Refused(string text)
    {
        Assert.False(KrpcCodec.TryRead(Bytes(text), out var message, out var error));
        Assert.Equal(default, message.Kind);
        Assert.Equal(KrpcErrorCode.Protocol, error.Code);
        return error;
    }

    [Theory]
    [InlineData("id of 19 bytes", "ping", "2:id19:abcdefghij012345678", "a.id")]
    [InlineData("id of 21 bytes", "ping", "2:id21:abcdefghij0123456789x", "a.id")]
    [InlineData("id missing", "ping", "", "a.id")]
    [InlineData("id an integer", "ping", "2:idi5e", "a.id")]
    [InlineData("target missing", "find_node", Id20, "a.target")]
    [InlineData("target of 4 bytes", "find_node", Id20 + "6:target4:abcd", "a.target")]
    [InlineData("want not a list", "find_node", Id20 + "6:target20:mnopqrstuvwxyz1234564:want2:n4", "a.want")]
    [InlineData("want holding an integer", "get_peers", Id20 + Hash20 + "4:wantli4ee", "a.want")]
    [InlineData("info_hash missing", "get_peers", Id20, "a.info_hash")]
    [InlineData("info_hash of 40 hex digits", "announce_peer", Id20 + "9:info_hash40:6d6e6f707172737475767778797a313233343536" + "4:porti1e5:token1:x", "a.info_hash")]
    [InlineData("port 0", "announce_peer", Id20 + Hash20 + "4:porti0e5:token1:x", "a.port")]
    [InlineData("port 65536", "announce_peer", Id20 + Hash20 + "4:porti65536e5:token1:x", "a.port")]
    [InlineData("port negative", "announce_peer", Id20 + Hash20 + "4:porti-1e5:token1:x", "a.port")]
    [InlineData("port a string", "announce_peer", Id20 + Hash20 + "4:port4:6881" + "5:token1:x", "a.port")]
    [InlineData("port missing", "announce_peer", Id20 + Hash20 + "5:token1:x", "a.port")]
    [InlineData("token missing", "announce_peer", Id20 + Hash20 + "4:porti6881e", "a.token")]
    [InlineData("implied_port a string", "announce_peer", Id20 + "12:implied_port1:1" + Hash20 + "4:porti6881e5:token1:x", "a.implied_port")]
    public void Invalid_query_arguments_get_a_203_reply(string name, string method, string arguments, string field)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var error = Refused(Query(method, arguments));
        Assert.StartsWith(field, error.Message);
        Assert.Equal(KrpcMessageKind.Query, error.Kind);
        Assert.True(error.ShouldReply);

        // The reply is a BEP 5 error with our transaction ID, and it reads back.
        var reply = error.ToErrorReply();
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        int n = KrpcCodec.Write(reply, buffer);
        Assert.StartsWith("d1:eli203e", Text(buffer.AsSpan(0, n)));
        Assert.True(KrpcCodec.TryRead(buffer.AsMemory(0, n), out var read, out _));
        Assert.Equal("aa", Text(read.TransactionId.Span));
        Assert.Equal(error.Message, read.Error!.MessageText);
    }

    [Theory]
    [InlineData("arguments missing", "d1:q4:ping1:t2:aa1:y1:qe", "a must")]
    [InlineData("arguments a list", "d1:ale1:q4:ping1:t2:aa1:y1:qe", "a must")]
    [InlineData("method an integer", "d1:ad2:id20:abcdefghij0123456789e1:qi1e1:t2:aa1:y1:qe", "q must")]
    [InlineData("version an integer", "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:vi1e1:y1:qe", "v must")]
    [InlineData("ro of 2", "d1:ad2:id20:abcdefghij0123456789e1:q4:ping2:roi2e1:t2:aa1:y1:qe", "ro must")]
    [InlineData("ip of 5 bytes", "d1:ad2:id20:abcdefghij0123456789e2:ip5:abcde1:q4:ping1:t2:aa1:y1:qe", "ip must")]
    public void Malformed_query_envelopes_get_a_203_reply(string name, string text, string start)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var error = Refused(text);
        Assert.StartsWith(start, error.Message);
        Assert.True(error.ShouldReply);
    }

    [Theory]
    [InlineData("r missing", "d1:t2:aa1:y1:re", "r must")]
    [InlineData("r.id missing", "d1:rd5:token1:xe1:t2:aa1:y1:re", "r.id")]
    [InlineData("nodes of 27 bytes", "d1:rd2:id20:abcdefghij01234567895:nodes27:mnopqrstuvwxyz123456abcdefge1:t2:aa1:y1:re", "r.nodes ")]
    [InlineData("nodes6 of 26 bytes", "d1:rd2:id20:abcdefghij01234567896:nodes626:mnopqrstuvwxyz123456abcdefe1:t2:aa1:y1:re", "r.nodes6")]
    [InlineData("values entry of 7 bytes", "d1:rd2:id20:abcdefghij01234567896:valuesl7:abcdefgee1:t2:aa1:y1:re", "r.values")]
    [InlineData("values a string", "d1:rd2:id20:abcdefghij01234567896:values6:abcdefe1:t2:aa1:y1:re", "r.values")]
    [InlineData("token an integer", "d1:rd2:id20:abcdefghij01234567895:tokeni1ee1:t2:aa1:y1:re", "r.token")]
    [InlineData("ip holding ::ffff:192.0.2.1", "d2:ip18:\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u00ff\u00ff\u00c0\u0000\u0002\u0001\u0013\u008c1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:re", "ip must")]
    [InlineData("error with one element", "d1:eli201ee1:t2:aa1:y1:ee", "e must")]
    [InlineData("error with three elements", "d1:eli201e1:xi1ee1:t2:aa1:y1:ee", "e must")]
    [InlineData("error code a string", "d1:el1:x1:xe1:t2:aa1:y1:ee", "e must")]
    [InlineData("error code beyond int", "d1:eli99999999999e1:xe1:t2:aa1:y1:ee", "e code")]
    public void Malformed_responses_and_errors_are_refused_without_reply(string name, string text, string start)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var error = Refused(text);
        Assert.StartsWith(start, error.Message);
        Assert.NotNull(error.TransactionId);
        Assert.False(error.ShouldReply);
        Assert.Throws<InvalidOperationException>(() => error.ToErrorReply());
    }

    [Theory]
    [InlineData("not bencode", "hello", null)]
    [InlineData("not a dictionary", "li1ee", null)]
    [InlineData("transaction ID missing", "d1:y1:qe", null)]
    [InlineData("transaction ID empty", "d1:t0:1:y1:qe", null)]
    [InlineData("transaction ID of 17 bytes", "d1:t17:abcdefghijklmnopq1:y1:qe", null)]
    [InlineData("kind missing", "d1:t2:aae", "aa")]
    [InlineData("kind unknown", "d1:t2:aa1:y1:xe", "aa")]
    [InlineData("kind of two bytes", "d1:t2:aa1:y2:qqe", "aa")]
    public void Envelopes_without_a_readable_kind_are_never_answered(string name, string text, string? transactionId)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var error = Refused(text);
        Assert.Null(error.Kind);
        Assert.Equal(transactionId, error.TransactionId is { } t ? Text(t.Span) : null);
        Assert.False(error.ShouldReply);
    }

    [Fact]
    public void Non_canonical_bencode_is_refused_with_the_bencode_reason()
    {
        var error = Refused("d1:q4:ping1:ad2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe"); // "q" before "a"
        Assert.Equal(BencodeErrorReason.KeysOutOfOrder, error.Bencode.Reason);
        Assert.Null(error.TransactionId);
        Assert.Equal(BencodeErrorReason.InputTooLarge, Refused("d1:t" + new string('x', 1500) + "e").Bencode.Reason);
    }

    [Fact]
    public void Unknown_method_is_parsed_far_enough_to_answer_204()
    {
        const string Text = UnknownMethodQuery;
        Assert.True(KrpcCodec.TryRead(Bytes(Text), out var message, out _));
        var query = message.Query!;
        Assert.Equal(KrpcMethod.Unknown, query.Method);
        Assert.Equal("vote_later", KrpcSamples.Text(query.MethodName.Span));
        Assert.Equal("xyz", KrpcSamples.Text(message.TransactionId.Span));
        Assert.Equal(KrpcGoldenTests.Id("abcdefghij0123456789"), query.Id);
        Assert.Equal(7, query.Arguments.Get("value"u8).Integer);
        Assert.Equal(Text, KrpcGoldenTests.Encode(message)); // written back unchanged

        // An unknown method with no arguments at all is still answerable.
        Assert.True(KrpcCodec.TryRead(Bytes("d1:q3:foo1:t1:z1:y1:qe"), out var bare, out _));
        Assert.Equal(KrpcMethod.Unknown, bare.Query!.Method);
        Assert.True(bare.Query.Id.IsZero);
    }

    [Fact]
    public void Unknown_keys_are_ignored()
    {
        const string Text = "d1:ad2:id20:abcdefghij01234567893:zzzi1ee5:extra4:data1:q4:ping1:t2:aa1:y1:qe";
        Assert.True(KrpcCodec.TryRead(Bytes(Text), out var message, out _));
        Assert.Equal(KrpcMethod.Ping, message.Query!.Method);
        Assert.Equal(PingQuery, KrpcGoldenTests.Encode(message));
    }

    [Fact]
    public void Unknown_want_flags_are_ignored_and_port_0_is_allowed_with_implied_port()
    {
        var want = KrpcGoldenTests.Decode(Query("get_peers", Id20 + Hash20 + "4:wantl2:n62:n8e")).Query!;
        Assert.Equal(KrpcWant.IPv6, want.Want);

        var implied = KrpcGoldenTests.Decode(Query("announce_peer", Id20 + "12:implied_porti1e" + Hash20 + "4:porti0e5:token1:x")).Query!;
        Assert.True(implied.ImpliedPort);
        Assert.Equal(0, implied.Port);
    }

    [Fact]
    public void Writing_refuses_what_the_wire_cannot_carry()
    {
        var v6 = new CompactNode(KrpcGoldenTests.Id("abcdefghij0123456789"), PeerEndpoint.Parse("[2001:db8::1]:6881"));
        Assert.Throws<ArgumentException>(() => CompactNodeList.FromNodes([v6], isIPv6: false));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            KrpcQuery.AnnouncePeer(v6.Id, v6.Id, 0, Bytes("t")));
        Assert.Throws<ArgumentException>(() => KrpcMessage.ForQuery(ReadOnlyMemory<byte>.Empty, KrpcQuery.Ping(v6.Id)));
        Assert.Throws<ArgumentException>(() => KrpcMessage.ForQuery(new byte[17], KrpcQuery.Ping(v6.Id)));
        Assert.Throws<ArgumentException>(() => KrpcCodec.Write(default, new byte[64]));
        Assert.Throws<ArgumentException>(() => KrpcQuery.Unknown(Bytes("ping"), default));

        // A list built for "nodes6" cannot be put in "nodes".
        var wrongFamily = new KrpcResponse { Id = v6.Id, Nodes = CompactNodeList.FromNodes([v6], isIPv6: true) };
        Assert.Throws<ArgumentException>(() => KrpcCodec.Write(KrpcMessage.ForResponse(Bytes("aa"), wrongFamily), new byte[256]));

        var message = KrpcMessage.ForQuery(Bytes("aa"), KrpcQuery.Ping(v6.Id));
        Assert.False(KrpcCodec.TryWrite(message, new byte[10], out int written));
        Assert.Equal(0, written);
        Assert.Throws<ArgumentException>(() => KrpcCodec.Write(message, new byte[10]));
    }
}
