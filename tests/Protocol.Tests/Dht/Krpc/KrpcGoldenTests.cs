using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using static PicoTalk.Protocol.Tests.Dht.Krpc.KrpcSamples;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// BEP 5's example packets: decoding yields the fields, and encoding those fields yields exactly
/// the example bytes. Then BEP 32 and our own envelope fields.
/// </summary>
public sealed class KrpcGoldenTests
{
    private static readonly NodeId Abc = Id("abcdefghij0123456789");
    private static readonly NodeId Mno = Id("mnopqrstuvwxyz123456");
    private static readonly NodeId Zero19 = Id("0123456789abcdefghij");
    private static readonly byte[] Aa = Bytes("aa");

    internal static NodeId Id(string text) => NodeId.Read(Bytes(text));

    internal static KrpcMessage Decode(string text)
    {
        Assert.True(KrpcCodec.TryRead(Bytes(text), out var message, out var error), error.ToString());
        return message;
    }

    internal static string Encode(in KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxMessageSize];
        int n = KrpcCodec.Write(message, buffer);
        Assert.Equal(n, KrpcCodec.GetEncodedLength(message));
        return Text(buffer.AsSpan(0, n));
    }

    [Fact]
    public void Ping_query()
    {
        var message = Decode(PingQuery);
        Assert.Equal(KrpcMessageKind.Query, message.Kind);
        Assert.Equal("aa", Text(message.TransactionId.Span));
        Assert.Null(message.Version);
        Assert.Equal(KrpcMethod.Ping, message.Query!.Method);
        Assert.Equal(Abc, message.Query.Id);
        Assert.Equal(PingQuery, Encode(KrpcMessage.ForQuery(Aa, KrpcQuery.Ping(Abc))));
    }

    [Fact]
    public void Ping_and_announce_peer_response()
    {
        Assert.Equal(PingResponse, AnnouncePeerResponse); // BEP 5 prints the same bytes for both
        var message = Decode(PingResponse);
        Assert.Equal(KrpcMessageKind.Response, message.Kind);
        var response = message.Response!;
        Assert.Equal(Mno, response.Id);
        Assert.False(response.Nodes.IsPresent);
        Assert.False(response.Nodes6.IsPresent);
        Assert.Null(response.Token);
        Assert.False(response.Values.IsPresent);
        Assert.Null(message.RequesterAddress);
        Assert.Equal(PingResponse, Encode(KrpcMessage.ForResponse(Aa, new KrpcResponse { Id = Mno })));
    }

    [Fact]
    public void Find_node_query()
    {
        var query = Decode(FindNodeQuery).Query!;
        Assert.Equal(KrpcMethod.FindNode, query.Method);
        Assert.Equal(Abc, query.Id);
        Assert.Equal(Mno, query.Target);
        Assert.Equal(KrpcWant.None, query.Want);
        Assert.Equal(FindNodeQuery, Encode(KrpcMessage.ForQuery(Aa, KrpcQuery.FindNode(Abc, Mno))));
    }

    [Fact]
    public void Find_node_response_with_BEP5_placeholder_nodes_is_a_protocol_error()
    {
        foreach (var sample in new[] { FindNodeResponsePlaceholder, GetPeersNodesResponsePlaceholder })
        {
            Assert.False(KrpcCodec.TryRead(Bytes(sample), out _, out var error));
            Assert.Equal(KrpcErrorCode.Protocol, error.Code);
            Assert.Contains("r.nodes", error.Message);
            Assert.Equal("aa", Text(error.TransactionId!.Value.Span));
            Assert.Equal(KrpcMessageKind.Response, error.Kind);
            Assert.False(error.ShouldReply); // never answer a response
        }
    }

    [Fact]
    public void Find_node_response_with_a_real_node()
    {
        var response = Decode(FindNodeResponse).Response!;
        Assert.Equal(Zero19, response.Id);
        Assert.Equal(1, response.Nodes.Count);
        Assert.Equal(new CompactNode(Mno, PeerEndpoint.Parse("192.0.2.7:6881")), response.Nodes[0]);
        var written = new KrpcResponse
        {
            Id = Zero19,
            Nodes = CompactNodeList.FromNodes([new CompactNode(Mno, PeerEndpoint.Parse("192.0.2.7:6881"))], isIPv6: false),
        };
        Assert.Equal(FindNodeResponse, Encode(KrpcMessage.ForResponse(Aa, written)));
    }

    [Fact]
    public void Get_peers_query()
    {
        var query = Decode(GetPeersQuery).Query!;
        Assert.Equal(KrpcMethod.GetPeers, query.Method);
        Assert.Equal(Abc, query.Id);
        Assert.Equal(Mno, query.InfoHash);
        Assert.Equal(GetPeersQuery, Encode(KrpcMessage.ForQuery(Aa, KrpcQuery.GetPeers(Abc, Mno))));
    }

    [Fact]
    public void Get_peers_response_with_values()
    {
        var response = Decode(GetPeersValuesResponse).Response!;
        Assert.Equal(Abc, response.Id);
        Assert.Equal("aoeusnth", Text(response.Token!.Value.Span));
        Assert.Equal(2, response.Values.Count);
        // "axje.u" = 97.120.106.101, port 0x2e75; "idhtnm" = 105.100.104.116, port 0x6e6d.
        Assert.Equal(PeerEndpoint.Parse("97.120.106.101:11893"), response.Values[0]);
        Assert.Equal(PeerEndpoint.Parse("105.100.104.116:28269"), response.Values[1]);
        var written = new KrpcResponse
        {
            Id = Abc,
            Token = Bytes("aoeusnth"),
            Values = CompactPeerList.FromEndpoints([response.Values[0], response.Values[1]]),
        };
        Assert.Equal(GetPeersValuesResponse, Encode(KrpcMessage.ForResponse(Aa, written)));
    }

    [Fact]
    public void Announce_peer_query()
    {
        var query = Decode(AnnouncePeerQuery).Query!;
        Assert.Equal(KrpcMethod.AnnouncePeer, query.Method);
        Assert.Equal(Abc, query.Id);
        Assert.Equal(Mno, query.InfoHash);
        Assert.Equal(6881, query.Port);
        Assert.True(query.ImpliedPort);
        Assert.Equal("aoeusnth", Text(query.Token.Span));
        Assert.Equal(AnnouncePeerQuery, Encode(KrpcMessage.ForQuery(Aa, KrpcQuery.AnnouncePeer(Abc, Mno, 6881, Bytes("aoeusnth"), impliedPort: true))));
    }

    [Fact]
    public void Generic_error()
    {
        var message = Decode(GenericError);
        Assert.Equal(KrpcMessageKind.Error, message.Kind);
        Assert.Equal((int)KrpcErrorCode.Generic, message.Error!.Code);
        Assert.Equal("A Generic Error Ocurred", message.Error.MessageText);
        Assert.Equal(GenericError, Encode(KrpcMessage.ForError(Aa, KrpcError.Create(KrpcErrorCode.Generic, "A Generic Error Ocurred"))));
    }

    [Fact]
    public void BEP32_want_and_nodes6()
    {
        var query = Decode(FindNodeWantBothQuery).Query!;
        Assert.Equal(KrpcWant.IPv4 | KrpcWant.IPv6, query.Want);
        Assert.Equal(FindNodeWantBothQuery, Encode(KrpcMessage.ForQuery(Aa, KrpcQuery.FindNode(Abc, Mno, KrpcWant.IPv4 | KrpcWant.IPv6))));

        var response = Decode(FindNodeNodes6Response).Response!;
        var v6 = new CompactNode(Abc, PeerEndpoint.Parse("[2001:db8::1]:6881"));
        Assert.True(response.Nodes6.IsIPv6);
        Assert.Equal(1, response.Nodes6.Count);
        Assert.Equal(v6, response.Nodes6[0]);
        Assert.Equal(1, response.Nodes.Count);
        var written = new KrpcResponse
        {
            Id = Zero19,
            Nodes = CompactNodeList.FromNodes([new CompactNode(Mno, PeerEndpoint.Parse("192.0.2.7:6881"))], isIPv6: false),
            Nodes6 = CompactNodeList.FromNodes([v6], isIPv6: true),
        };
        Assert.Equal(FindNodeNodes6Response, Encode(KrpcMessage.ForResponse(Aa, written)));
    }

    [Fact]
    public void Our_query_carries_version_and_read_only_flag()
    {
        byte[] version = KrpcClientVersion.Create(1);
        Assert.Equal("PT\u0000\u0001", Text(version));
        var message = KrpcMessage.ForQuery(new byte[] { 0x12, 0x34 }, KrpcQuery.GetPeers(Abc, Mno, KrpcWant.IPv6), version, isReadOnly: true);
        const string Expected = OurGetPeersQuery;
        Assert.Equal(Expected, Encode(message));
        var read = Decode(Expected);
        Assert.True(read.IsReadOnly);
        Assert.Equal(version, read.Version!.Value.ToArray());
        Assert.Equal(KrpcWant.IPv6, read.Query!.Want);
    }

    [Fact]
    public void Our_response_carries_the_requester_address_BEP42()
    {
        var message = KrpcMessage.ForResponse(Aa, new KrpcResponse { Id = Mno }, requesterAddress: PeerEndpoint.Parse("198.51.100.9:5004"));
        const string Expected = OurResponseWithAddress;
        Assert.Equal(Expected, Encode(message));
        Assert.Equal(PeerEndpoint.Parse("198.51.100.9:5004"), Decode(Expected).RequesterAddress);

        var v6 = KrpcMessage.ForResponse(Aa, new KrpcResponse { Id = Mno }, requesterAddress: PeerEndpoint.Parse("[2001:db8::2]:5004"));
        Assert.Equal(PeerEndpoint.Parse("[2001:db8::2]:5004"), Decode(Encode(v6)).RequesterAddress);
    }

    [Fact]
    public void Our_method_unknown_error_and_announce_without_implied_port()
    {
        var error = KrpcMessage.ForError(Aa, KrpcError.Create(KrpcErrorCode.MethodUnknown, "Method Unknown"));
        Assert.Equal("d1:eli204e14:Method Unknowne1:t2:aa1:y1:ee", Encode(error));

        var announce = KrpcMessage.ForQuery(Aa, KrpcQuery.AnnouncePeer(Abc, Mno, 5004, Bytes("tk")));
        const string Expected = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti5004e5:token2:tke1:q13:announce_peer1:t2:aa1:y1:qe";
        Assert.Equal(Expected, Encode(announce));
        Assert.False(Decode(Expected).Query!.ImpliedPort);
    }
}
