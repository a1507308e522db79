using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Channel nonces and the secure channel (PICOTALK.md "Connection to the server", step 3).</summary>
public sealed class SecureChannelTests
{
    private static readonly byte[] Key = Enumerable.Range(0x40, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(ChannelKind.Stream, ChannelRole.Initiator, 1UL, "01 01 0000000000000001 0000000000000000000000000000")]
    [InlineData(ChannelKind.Udp, ChannelRole.Responder, 0x0102030405060708UL, "02 02 0102030405060708 0000000000000000000000000000")]
    [InlineData(ChannelKind.PeerToPeer, ChannelRole.Initiator, ulong.MaxValue - 1, "00 01 fffffffffffffffe 0000000000000000000000000000")]
    public void Nonce_is_channel_role_counter_and_zeros(ChannelKind kind, ChannelRole role, ulong counter, string hex)
    {
        var nonce = new byte[24];
        Array.Fill(nonce, (byte)0xee);
        ChannelNonce.Write(kind, role, counter, nonce);
        Assert.Equal(Hex(hex), nonce);
    }

    [Fact]
    public void Stream_packets_are_secretboxes_under_the_senders_role_counting_from_one()
    {
        using var initiator = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Initiator);
        using var responder = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Responder);
        var sealedBytes = new byte[64];
        var plain = new byte[64];

        int n = initiator.Seal("first"u8, sealedBytes);
        Assert.Equal(SecretBox(Key, Hex("01 01 0000000000000001 0000000000000000000000000000"), "first"u8.ToArray()), sealedBytes[..n]);
        Assert.True(responder.TryOpen(sealedBytes.AsSpan(0, n), plain, out int written));
        Assert.Equal("first"u8.ToArray(), plain[..written]);

        n = initiator.Seal("second"u8, sealedBytes);
        Assert.Equal(SecretBox(Key, Hex("01 01 0000000000000002 0000000000000000000000000000"), "second"u8.ToArray()), sealedBytes[..n]);
        Assert.True(responder.TryOpen(sealedBytes.AsSpan(0, n), plain, out _));

        // The other direction has its own counter from 1, under role 2.
        n = responder.Seal("reply"u8, sealedBytes);
        Assert.Equal(SecretBox(Key, Hex("01 02 0000000000000001 0000000000000000000000000000"), "reply"u8.ToArray()), sealedBytes[..n]);
        Assert.True(initiator.TryOpen(sealedBytes.AsSpan(0, n), plain, out written));
        Assert.Equal("reply"u8.ToArray(), plain[..written]);
    }

    [Fact]
    public void A_stream_refuses_replays_skips_and_reflections()
    {
        using var initiator = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Initiator);
        using var responder = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Responder);
        var one = new byte[32];
        var two = new byte[32];
        var plain = new byte[32];
        int n1 = initiator.Seal("one"u8, one);
        int n2 = initiator.Seal("two"u8, two);

        Assert.False(responder.TryOpen(two.AsSpan(0, n2), plain, out _)); // skipped one
        Assert.False(initiator.TryOpen(one.AsSpan(0, n1), plain, out _)); // own packet reflected
        Assert.True(responder.TryOpen(one.AsSpan(0, n1), plain, out _));
        Assert.False(responder.TryOpen(one.AsSpan(0, n1), plain, out _)); // replay
        Assert.True(responder.TryOpen(two.AsSpan(0, n2), plain, out _));
        Assert.Equal(3UL, responder.NextReceiveCounter);
        Assert.False(responder.TryOpen(new byte[15], plain, out _));
    }

    [Fact]
    public void Udp_carries_the_counter_and_accepts_any_counter_not_below_the_next()
    {
        using var client = new SecureChannel(Key, ChannelKind.Udp, ChannelRole.Initiator);
        using var server = new SecureChannel(Key, ChannelKind.Udp, ChannelRole.Responder);
        var packets = new byte[4][];
        for (int i = 0; i < 4; i++)
        {
            var buffer = new byte[64];
            int n = client.Seal([(byte)i], buffer);
            packets[i] = buffer[..n];
        }

        byte[] nonce3 = Hex("02 01 0000000000000003 0000000000000000000000000000");
        Assert.Equal([.. Hex("0000000000000003"), .. SecretBox(Key, nonce3, [2])], packets[2]);

        var plain = new byte[8];
        Assert.True(server.TryOpen(packets[1], plain, out _));   // 1 lost: fine
        Assert.False(server.TryOpen(packets[0], plain, out _));  // late
        Assert.False(server.TryOpen(packets[1], plain, out _));  // replay
        Assert.True(server.TryOpen(packets[3], plain, out int w)); // 3 lost
        Assert.Equal(new byte[] { 3 }, plain[..w]);
        Assert.Equal(5UL, server.NextReceiveCounter);

        // A forged counter ahead does not move the window.
        byte[] forged = (byte[])packets[3].Clone();
        forged[7] = 0x40;
        Assert.False(server.TryOpen(forged, plain, out _));
        Assert.Equal(5UL, server.NextReceiveCounter);
    }

    [Fact]
    public void Seal_packet_writes_a_binary_packet_with_zero_addresses()
    {
        using var client = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Initiator);
        byte[] inner = Hex("02 0002 0000 0001 7b7d"); // {} to the server
        var buffer = new byte[64];
        int n = client.SealPacket(inner, buffer);
        byte[] sealedBox = SecretBox(Key, Hex("01 01 0000000000000001 0000000000000000000000000000"), inner);
        Assert.Equal([.. Hex("03 0019 0000 0000"), .. sealedBox], buffer[..n]);
    }
}
