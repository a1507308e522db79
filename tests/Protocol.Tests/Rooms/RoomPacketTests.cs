using System.Text;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Golden bytes of the TLV framing (PICOTALK.md "Framing (TLV)"), stream reading and the UDP form.</summary>
public sealed class RoomPacketTests
{
    // The server's hello: type 2 (JSON), length 0x0014 (the 20 bytes of the object), src 1, dst 0.
    private static readonly byte[] Hello = Hex("02 0014 0001 0000" + Convert.ToHexString("{\"version\":[0,0,20]}"u8));

    [Fact]
    public void Writes_the_golden_header()
    {
        var buffer = new byte[64];
        int n = RoomPacket.Write(RoomPacketType.Json, 1, 0, "{\"version\":[0,0,20]}"u8, buffer);
        Assert.Equal(Hello, buffer[..n]);

        // Binary 0x0102 bytes from peer 0x0203 to peer 0xfffe: every field big-endian.
        n = RoomPacket.Write(RoomPacketType.Binary, 0x0203, 0xfffe, new byte[] { 0xaa, 0xbb }, buffer);
        Assert.Equal(Hex("03 0002 0203 fffe aabb"), buffer[..n]);
    }

    [Fact]
    public void Reads_back_type_addresses_and_payload()
    {
        Assert.Equal(RoomReadStatus.Complete, RoomPacket.TryRead(Hello, out var packet, out int consumed, out var error));
        Assert.Equal(RoomPacketError.None, error);
        Assert.Equal(Hello.Length, consumed);
        Assert.Equal(RoomPacketType.Json, packet.Type);
        Assert.Equal(1, packet.Src);
        Assert.Equal(0, packet.Dst);
        Assert.Equal("{\"version\":[0,0,20]}", Encoding.UTF8.GetString(packet.Payload));
    }

    [Fact]
    public void A_stream_cut_anywhere_is_incomplete_until_whole_then_yields_packets_in_order()
    {
        byte[] second = Hex("01 0003 0002 0001 010203");
        byte[] stream = [.. Hello, .. second];
        for (int cut = 0; cut < Hello.Length; cut++)
        {
            Assert.Equal(RoomReadStatus.Incomplete, RoomPacket.TryRead(stream.AsSpan(0, cut), out _, out int c, out var e));
            Assert.Equal(0, c);
            Assert.Equal(RoomPacketError.None, e);
        }

        Assert.Equal(RoomReadStatus.Complete, RoomPacket.TryRead(stream, out _, out int consumed, out _));
        Assert.Equal(RoomReadStatus.Complete, RoomPacket.TryRead(stream.AsSpan(consumed), out var packet, out int consumed2, out _));
        Assert.Equal(RoomPacketType.AudioFrame, packet.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, packet.Payload.ToArray());
        Assert.Equal(stream.Length, consumed + consumed2);
    }

    [Theory]
    [InlineData("00", RoomPacketError.UnknownType)]
    [InlineData("04 0000 0001 0002", RoomPacketError.UnknownType)]
    [InlineData("ff", RoomPacketError.UnknownType)]
    [InlineData("02 4001 0001 0002", RoomPacketError.PayloadTooLong)] // 16,385: one over our bound
    [InlineData("03 ffff 0001 0002", RoomPacketError.PayloadTooLong)]
    public void A_bad_header_is_invalid_before_its_payload_arrives(string hex, RoomPacketError expected)
    {
        Assert.Equal(RoomReadStatus.Invalid, RoomPacket.TryRead(Hex(hex), out _, out int consumed, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void The_largest_payload_is_accepted_and_writing_more_is_refused()
    {
        var buffer = new byte[RoomPacket.MaxPacketSize + 1];
        var payload = new byte[RoomPacket.MaxPayloadLength];
        Assert.Equal(RoomPacket.MaxPacketSize, RoomPacket.Write(RoomPacketType.Binary, 2, 3, payload, buffer));
        Assert.Equal(RoomReadStatus.Complete, RoomPacket.TryRead(buffer.AsSpan(0, RoomPacket.MaxPacketSize), out _, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoomPacket.Write(RoomPacketType.Binary, 2, 3, new byte[RoomPacket.MaxPayloadLength + 1], new byte[RoomPacket.MaxPacketSize + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoomPacket.Write((RoomPacketType)4, 2, 3, payload, buffer));
    }

    [Fact]
    public void A_websocket_message_holds_exactly_one_packet()
    {
        Assert.True(RoomPacket.TryReadWhole(Hello, out _, out _));
        Assert.False(RoomPacket.TryReadWhole([.. Hello, 0x02], out _, out var error));
        Assert.Equal(RoomPacketError.DatagramLengthMismatch, error);
        Assert.False(RoomPacket.TryReadWhole(Hello[..^1], out _, out error));
        Assert.Equal(RoomPacketError.DatagramLengthMismatch, error);
    }

    [Fact]
    public void Udp_datagram_carries_the_stream_id_first()
    {
        var buffer = new byte[64];
        int n = RoomDatagram.Write(0xdeadbeef, RoomPacketType.Json, 2, 1, "{\"udp_check\":\"init\"}"u8, buffer);
        Assert.Equal(Hex("deadbeef 02 0014 0002 0001" + Convert.ToHexString("{\"udp_check\":\"init\"}"u8)), buffer[..n]);

        Assert.True(RoomDatagram.TryRead(buffer.AsSpan(0, n), out uint streamId, out var packet, out _));
        Assert.Equal(0xdeadbeefu, streamId);
        Assert.Equal(2, packet.Src);
        Assert.Equal(1, packet.Dst);

        Assert.False(RoomDatagram.TryRead(buffer.AsSpan(0, 10), out _, out _, out var error));
        Assert.Equal(RoomPacketError.DatagramTooShort, error);
        Assert.False(RoomDatagram.TryRead(buffer.AsSpan(0, n - 1), out _, out _, out error));
        Assert.Equal(RoomPacketError.DatagramLengthMismatch, error);
        Assert.False(RoomDatagram.TryRead(buffer.AsSpan(0, n + 1), out _, out _, out error));
        Assert.Equal(RoomPacketError.DatagramLengthMismatch, error);
    }
}
