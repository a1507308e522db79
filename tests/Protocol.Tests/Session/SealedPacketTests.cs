using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class SealedPacketTests
{
    [Fact]
    public void Header_golden_bytes()
    {
        var buffer = new byte[SealedPacket.Overhead + 3];
        Assert.Equal(5, SealedPacket.WriteHeader(PacketType.Media, 0x01020304, buffer));
        buffer.AsSpan(5, 8).Fill(0x7A);
        buffer.AsSpan(13).Fill(0xC0);

        Assert.Equal("10" + "01020304" + "7a7a7a7a7a7a7a7a" + "c0c0c0", Convert.ToHexStringLower(buffer));
        Assert.Equal(13, SealedPacket.Overhead);
        Assert.True(SealedPacket.TryRead(buffer, out var p));
        Assert.Equal(PacketType.Media, p.Type);
        Assert.Equal(0x01020304u, p.Sequence);
        Assert.Equal("1001020304", Convert.ToHexStringLower(p.Aad));
        Assert.Equal(8, p.Tag.Length);
        Assert.Equal(3, p.Ciphertext.Length);

        SealedPacket.WriteHeader(PacketType.Control, uint.MaxValue, buffer);
        Assert.Equal("11ffffffff", Convert.ToHexStringLower(buffer.AsSpan(0, 5)));
    }

    [Fact]
    public void Refuses_short_packets_sequence_zero_and_other_types()
    {
        var packet = Convert.FromHexString("10000000017a7a7a7a7a7a7a7a");
        Assert.True(SealedPacket.TryRead(packet, out var empty));
        Assert.Equal(0, empty.Ciphertext.Length);
        Assert.False(SealedPacket.TryRead(packet.AsSpan(0, 12), out _));
        Assert.False(SealedPacket.TryRead(Convert.FromHexString("10000000007a7a7a7a7a7a7a7a"), out _));
        Assert.False(SealedPacket.TryRead(Convert.FromHexString("12000000017a7a7a7a7a7a7a7a"), out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => SealedPacket.WriteHeader(PacketType.Media, 0, new byte[13]));
        Assert.Throws<ArgumentException>(() => SealedPacket.WriteHeader(PacketType.KeyRequest, 1, new byte[13]));
    }
}
