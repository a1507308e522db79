using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Packet reassembly from a TCP byte stream, and the audio key's hex form.</summary>
public sealed class RoomStreamBufferTests
{
    [Fact]
    public void Packets_arriving_in_odd_pieces_come_out_whole_and_in_order()
    {
        var random = new Random(11);
        var expected = new List<byte[]>();
        var stream = new List<byte>();
        var scratch = new byte[RoomPacket.MaxPacketSize];
        for (int i = 0; i < 200; i++)
        {
            var payload = new byte[random.Next(0, i % 50 == 0 ? RoomPacket.MaxPayloadLength + 1 : 300)];
            random.NextBytes(payload);
            int n = RoomPacket.Write((RoomPacketType)random.Next(1, 4), (ushort)i, 1, payload, scratch);
            expected.Add(scratch[..n]);
            stream.AddRange(scratch[..n]);
        }

        var buffer = new RoomStreamBuffer();
        var received = new List<byte[]>();
        int at = 0;
        while (at < stream.Count)
        {
            var free = buffer.GetWriteSpan();
            int n = Math.Min(Math.Min(random.Next(1, 3000), free.Length), stream.Count - at);
            stream.CopyTo(at, scratch, 0, n);
            scratch.AsSpan(0, n).CopyTo(free);
            buffer.Advance(n);
            at += n;
            while (buffer.TryTake(out var packet, out _, out _))
            {
                var copy = new byte[packet.Size];
                packet.WriteTo(copy);
                received.Add(copy);
            }
        }

        Assert.Equal(expected.Count, received.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], received[i]);
        }

        Assert.Equal(0, buffer.Buffered);
    }

    [Fact]
    public void A_stream_that_is_not_picotalk_is_reported_invalid()
    {
        var buffer = new RoomStreamBuffer();
        Assert.True(buffer.TryAppend(Hex("02 0000 0001 0000 07 0000")));
        Assert.True(buffer.TryTake(out _, out var status, out _));
        Assert.False(buffer.TryTake(out _, out status, out var error));
        Assert.Equal(RoomReadStatus.Invalid, status);
        Assert.Equal(RoomPacketError.UnknownType, error);
        Assert.False(buffer.TryAppend(new byte[RoomStreamBuffer.Capacity]));
    }

    [Fact]
    public void Audio_keys_travel_as_64_lower_case_hex_digits()
    {
        byte[] key = Enumerable.Range(0xe0, 32).Select(i => (byte)i).ToArray();
        string hex = AudioKey.ToHex(key);
        Assert.Equal("e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", hex);
        Assert.True(AudioKey.TryParseHex(hex.ToUpperInvariant(), out byte[] parsed));
        Assert.Equal(key, parsed);
        Assert.False(AudioKey.TryParseHex(hex[..^1], out _));
        Assert.False(AudioKey.TryParseHex(hex[..^1] + "g", out _));
        Assert.False(AudioKey.TryParseHex(null, out _));
        Assert.NotEqual(AudioKey.Generate(), AudioKey.Generate());
    }
}
