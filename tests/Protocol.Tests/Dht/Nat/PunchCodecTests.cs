using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Wire;
using PicoTalk.Protocol.Tests.Dht.Krpc;
using static PicoTalk.Protocol.Tests.Dht.Krpc.KrpcSamples;

namespace PicoTalk.Protocol.Tests.Dht.Nat;

/// <summary>Our "pt_punch" query and the "nat" of its response (KrpcCodec.Punch.cs): golden bytes both ways, and bad input refused.</summary>
public sealed class PunchCodecTests
{
    private static readonly byte[] Aa = Bytes("aa");
    private const string CallerId = "abcdefghij0123456789";
    private const string CalleeId = "mnopqrstuvwxyz123456";

    // 192.0.2.7:6881 as BEP 5 compact peer info: 4 address bytes then the port, big-endian.
    private const string CompactCaller = "\u00c0\u0000\u0002\u0007\u001a\u00e1";

    private const string CallerToRelay = "d1:ad2:id20:" + CallerId + "9:info_hash20:" + CalleeId + "e1:q8:pt_punch1:t2:aa1:y1:qe";

    private const string RelayToCallee = "d1:ad4:addr6:" + CompactCaller + "2:id20:" + CallerId + "9:info_hash20:" + CalleeId
        + "e1:q8:pt_punch1:t2:aa1:y1:qe";

    private const string CalleeAnswer = "d1:rd2:id20:" + CalleeId + "3:nati2ee1:t2:aa1:y1:re";

    [Fact]
    public void The_callers_request_to_a_relay()
    {
        var message = KrpcGoldenTests.Decode(CallerToRelay);
        var query = message.Query!;
        Assert.Equal(KrpcMethod.Punch, query.Method);
        Assert.Equal(KrpcGoldenTests.Id(CallerId), query.Id);
        Assert.Equal(KrpcGoldenTests.Id(CalleeId), query.InfoHash);
        Assert.Null(query.PunchAddress);
        Assert.Equal(CallerToRelay, KrpcGoldenTests.Encode(
            KrpcMessage.ForQuery(Aa, KrpcQuery.Punch(KrpcGoldenTests.Id(CallerId), KrpcGoldenTests.Id(CalleeId)))));
    }

    [Fact]
    public void The_relays_request_to_the_callee_names_the_caller_in_addr()
    {
        var message = KrpcGoldenTests.Decode(RelayToCallee);
        Assert.Equal(PeerEndpoint.Parse("192.0.2.7:6881"), message.Query!.PunchAddress);
        Assert.Equal(RelayToCallee, KrpcGoldenTests.Encode(KrpcMessage.ForQuery(Aa,
            KrpcQuery.Punch(KrpcGoldenTests.Id(CallerId), KrpcGoldenTests.Id(CalleeId), PeerEndpoint.Parse("192.0.2.7:6881")))));
    }

    [Fact]
    public void An_ipv6_caller_travels_in_18_bytes()
    {
        var caller = PeerEndpoint.Parse("[2001:db8::7]:6881");
        var bytes = Bytes(KrpcGoldenTests.Encode(KrpcMessage.ForQuery(Aa,
            KrpcQuery.Punch(KrpcGoldenTests.Id(CallerId), KrpcGoldenTests.Id(CalleeId), caller))));
        Assert.StartsWith("d1:ad4:addr18:", Text(bytes));
        Assert.True(KrpcCodec.TryRead(bytes, out var back, out var error), error.ToString());
        Assert.Equal(caller, back.Query!.PunchAddress);
    }

    [Fact]
    public void The_callees_answer_carries_its_nat_mapping()
    {
        var message = KrpcGoldenTests.Decode(CalleeAnswer);
        Assert.Equal(NatMapping.EndpointDependent, message.Response!.Nat);
        Assert.Equal(CalleeAnswer, KrpcGoldenTests.Encode(KrpcMessage.ForResponse(Aa,
            new KrpcResponse { Id = KrpcGoldenTests.Id(CalleeId), Nat = NatMapping.EndpointDependent })));
    }

    [Fact]
    public void A_response_without_nat_reads_as_null_and_an_unknown_value_as_unknown()
    {
        Assert.Null(KrpcGoldenTests.Decode("d1:rd2:id20:" + CalleeId + "e1:t2:aa1:y1:re").Response!.Nat);
        Assert.Equal(NatMapping.Unknown, KrpcGoldenTests.Decode("d1:rd2:id20:" + CalleeId + "3:nati7ee1:t2:aa1:y1:re").Response!.Nat);
    }

    [Theory]
    [InlineData("d1:ad2:id20:" + CallerId + "e1:q8:pt_punch1:t2:aa1:y1:qe", "a.info_hash must be a 20-byte string")]
    [InlineData("d1:ad4:addr5:abcde2:id20:" + CallerId + "9:info_hash20:" + CalleeId + "e1:q8:pt_punch1:t2:aa1:y1:qe", "a.addr")]
    [InlineData("d1:ad4:addri1e2:id20:" + CallerId + "9:info_hash20:" + CalleeId + "e1:q8:pt_punch1:t2:aa1:y1:qe", "a.addr")]
    [InlineData("d1:ad4:addr6:\u00c0\u0000\u0002\u0007\u0000\u00002:id20:" + CallerId + "9:info_hash20:" + CalleeId + "e1:q8:pt_punch1:t2:aa1:y1:qe", "a.addr")]
    [InlineData("d1:ad9:info_hash20:" + CalleeId + "e1:q8:pt_punch1:t2:aa1:y1:qe", "a.id must be a 20-byte string")]
    public void A_malformed_request_is_refused_with_a_203_that_says_why(string datagram, string reason)
    {
        Assert.False(KrpcCodec.TryRead(Bytes(datagram), out _, out var error));
        Assert.True(error.ShouldReply);
        Assert.Equal(KrpcErrorCode.Protocol, error.Code);
        Assert.StartsWith(reason, error.Message);
    }

    [Fact]
    public void A_nat_that_is_not_an_integer_makes_the_response_malformed()
    {
        Assert.False(KrpcCodec.TryRead(Bytes("d1:rd2:id20:" + CalleeId + "3:nat2:ede1:t2:aa1:y1:re"), out _, out var error));
        Assert.Equal("r.nat must be an integer", error.Message);
        Assert.False(error.ShouldReply);
    }

    [Fact]
    public void A_punch_address_without_a_port_cannot_be_built()
    {
        Assert.Throws<ArgumentException>(() => KrpcQuery.Punch(KrpcGoldenTests.Id(CallerId), KrpcGoldenTests.Id(CalleeId),
            PeerEndpoint.Parse("192.0.2.7:1").WithPort(0)));
    }
}
