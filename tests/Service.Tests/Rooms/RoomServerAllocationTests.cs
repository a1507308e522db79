using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>The server's mix path runs for every member every 32 ms: it must not allocate (STYLE and
/// the standards: hot paths per frame allocate nothing), over UDP and over TCP alike.</summary>
public sealed class RoomServerAllocationTests
{
    [Theory]
    [InlineData(RoomTransport.Udp)]
    [InlineData(RoomTransport.Tcp)]
    public async Task MixingARoomAllocatesNothing(RoomTransport transport)
    {
        await using var harness = new RoomTestHarness();
        var members = new List<RoomClientSession>();
        for (int i = 0; i < 4; i++)
        {
            var member = await harness.JoinAsync(harness.Options(transport, "quiet", "pw", $"m{i}"));
            members.Add(member);
        }

        foreach (var member in members)
        {
            Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
            Assert.Equal(transport == RoomTransport.Udp, member.AudioOverUdp);
        }

        // Each mix waits, as the 32 ms timer does, until the writers have taken the previous one (a
        // loop of mixes with no pause would queue up to each connection's bound and count the
        // buffers for that backlog). Warm up (the free lists fill, the JIT settles), then count what
        // 100 mixes of the room allocate on this thread; the room's own timer may mix beside it on
        // another thread, which is not counted.
        var server = harness.Server;
        Func<bool> drained = () => server.QueuedPackets == 0;
        void Mix()
        {
            server.TickAllRooms();
            Assert.True(SpinWait.SpinUntil(drained, 5000), "the writers did not take the mixes");
        }

        for (int i = 0; i < 20; i++)
        {
            Mix();
        }

        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                Mix();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(least == 0, $"100 mixes of a 4-member room allocated {least} bytes");
    }

    [Fact]
    public async Task TheUdpSocketHoldsAWholeRoomsBurstOfFrames()
    {
        // 128 members' answers to one mix arrive within a millisecond: about 140 KB, which Linux's
        // default receive buffer (208 KB, with its bookkeeping) dropped 16 % of in `bench rooms`.
        await using var harness = new RoomTestHarness();
        Assert.True(harness.Server.UdpReceiveBufferSize >= RoomServerLimits.UdpReceiveBufferBytes,
            $"the UDP receive buffer is {harness.Server.UdpReceiveBufferSize} bytes");
    }
}
