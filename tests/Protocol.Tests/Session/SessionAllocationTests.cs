using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>The per-20-ms-frame paths allocate nothing (STYLE.md; common rules).</summary>
public sealed class SessionAllocationTests
{
    [Fact]
    public void TrySendMedia_allocates_nothing()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        pair.Network.Muted = true;
        var frame = new byte[80];
        for (int i = 0; i < 100; i++)
        {
            Assert.True(atA.TrySendMedia(frame));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            atA.TrySendMedia(frame);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1100, pair.Network.MutedCount);
    }

    [Fact]
    public void Handle_of_a_valid_media_packet_allocates_nothing()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        pair.Network.Drop = d => d.Type == PacketType.Media;
        var frame = new byte[80];
        for (int i = 0; i < 1100; i++)
        {
            Assert.True(atA.TrySendMedia(frame));
        }

        byte[][] packets = pair.Network.Sent(SessionPair.EndpointA, PacketType.Media).Select(d => d.Data).ToArray();
        Assert.Equal(1100, packets.Length);
        pair.ObserverB.CountMediaOnly = true;
        var from = SessionPair.EndpointA;
        for (int i = 0; i < 100; i++)
        {
            pair.B.Handle(packets[i], from);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 100; i < 1100; i++)
        {
            pair.B.Handle(packets[i], from);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1100, pair.ObserverB.MediaCount);
        Assert.Equal(0, pair.DropsB.Total);
    }
}
