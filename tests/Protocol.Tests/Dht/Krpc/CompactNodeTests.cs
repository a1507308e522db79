using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using static PicoTalk.Protocol.Tests.Dht.Krpc.KrpcSamples;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>Compact node and peer info (BEP 5 "Contact Encoding", BEP 32): golden bytes both ways.</summary>
public sealed class CompactNodeTests
{
    private static readonly CompactNode V4 = new(KrpcGoldenTests.Id("mnopqrstuvwxyz123456"), PeerEndpoint.Parse("192.0.2.7:6881"));
    private static readonly CompactNode V6 = new(KrpcGoldenTests.Id("abcdefghij0123456789"), PeerEndpoint.Parse("[2001:db8::1]:6881"));

    [Fact]
    public void IPv4_node_is_26_bytes_big_endian()
    {
        var buffer = new byte[CompactNode.IPv4Size];
        Assert.Equal(26, CompactNode.WriteIPv4(V4, buffer));
        Assert.Equal("mnopqrstuvwxyz123456\u00c0\u0000\u0002\u0007\u001a\u00e1", Text(buffer));
        Assert.True(CompactNode.TryReadIPv4(buffer, out var read));
        Assert.Equal(V4, read);
        Assert.False(CompactNode.TryReadIPv4(buffer.AsSpan(0, 25), out _));
        Assert.False(CompactNode.TryReadIPv6(buffer, out _));
    }

    [Fact]
    public void IPv6_node_is_38_bytes_big_endian()
    {
        var buffer = new byte[CompactNode.IPv6Size];
        Assert.Equal(38, CompactNode.WriteIPv6(V6, buffer));
        Assert.Equal("6162636465666768696a30313233343536373839" + "20010db8000000000000000000000001" + "1ae1", Convert.ToHexStringLower(buffer));
        Assert.True(CompactNode.TryReadIPv6(buffer, out var read));
        Assert.Equal(V6, read);
    }

    [Fact]
    public void An_IPv6_node_cannot_be_written_into_nodes_but_an_IPv4_one_fits_nodes6_as_mapped()
    {
        Assert.Throws<ArgumentException>(() => CompactNode.WriteIPv4(V6, new byte[CompactNode.IPv4Size]));
        var buffer = new byte[CompactNode.IPv6Size];
        CompactNode.WriteIPv6(V4, buffer);
        Assert.Equal("00000000000000000000ffffc00002071ae1", Convert.ToHexStringLower(buffer.AsSpan(20)));
        Assert.True(CompactNode.TryReadIPv6(buffer, out var read));
        Assert.Equal(V4, read);
    }

    [Fact]
    public void Lists_decode_every_entry_and_refuse_partial_ones()
    {
        var list = CompactNodeList.FromNodes([V4, V4 with { Endpoint = PeerEndpoint.Parse("203.0.113.1:1") }], isIPv6: false);
        Assert.Equal(52, list.Encoded.Length);
        var seen = new List<CompactNode>();
        foreach (var node in list)
        {
            seen.Add(node);
        }

        Assert.Equal([V4, V4 with { Endpoint = PeerEndpoint.Parse("203.0.113.1:1") }], seen);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[2]);
        Assert.False(CompactNodeList.TryCreate(new byte[27], isIPv6: false, out var bad));
        Assert.False(bad.IsPresent);
        Assert.True(CompactNodeList.TryCreate(new byte[76], isIPv6: true, out var ok));
        Assert.Equal(2, ok.Count);
        Assert.True(CompactNodeList.TryCreate(ReadOnlyMemory<byte>.Empty, isIPv6: false, out var empty));
        Assert.True(empty.IsPresent);
        Assert.Equal(0, empty.Count);
    }

    [Fact]
    public void Compact_peers_are_6_or_18_bytes()
    {
        var buffer = new byte[CompactPeer.IPv6Size];
        Assert.Equal(6, CompactPeer.Write(PeerEndpoint.Parse("97.120.106.101:11893"), buffer));
        Assert.Equal("axje.u", Text(buffer.AsSpan(0, 6)));
        Assert.Equal(18, CompactPeer.Write(PeerEndpoint.Parse("[2001:db8::1]:6881"), buffer));
        Assert.True(CompactPeer.TryRead(buffer, out var v6));
        Assert.Equal(PeerEndpoint.Parse("[2001:db8::1]:6881"), v6);
        Assert.False(CompactPeer.TryRead(buffer.AsSpan(0, 7), out _));
        Assert.False(CompactPeer.IsIPv4MappedIPv6Form(buffer));
    }

    [Fact]
    public void Writing_compact_forms_allocates_nothing_and_round_trips()
    {
        var v4 = PeerEndpoint.Parse("198.51.100.7:6881");
        var v6 = PeerEndpoint.Parse("[2001:db8::7]:6881");
        var node4 = new CompactNode(NodeId.Random(), v4);
        var node6 = new CompactNode(NodeId.Random(), v6);
        Span<byte> buffer = stackalloc byte[64];
        for (int warm = 0; warm < 10; warm++)
        {
            CompactPeer.Write(v4, buffer);
            CompactPeer.Write(v6, buffer);
            CompactNode.WriteIPv4(node4, buffer);
            CompactNode.WriteIPv6(node6, buffer);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            CompactPeer.Write(v4, buffer);
            CompactPeer.Write(v6, buffer);
            CompactNode.WriteIPv4(node4, buffer);
            CompactNode.WriteIPv6(node6, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        Assert.True(CompactPeer.TryRead(buffer[..CompactPeer.Write(v4, buffer)], out var back4));
        Assert.Equal(v4, back4);
        Assert.True(CompactPeer.TryRead(buffer[..CompactPeer.Write(v6, buffer)], out var back6));
        Assert.Equal(v6, back6);
        Assert.True(CompactNode.TryReadIPv6(buffer[..CompactNode.WriteIPv6(node4, buffer)], out var mapped));
        Assert.Equal(node4, mapped);
    }
}
