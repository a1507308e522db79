using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>The server's mix path runs for every member every 32 ms: it must not allocate (STYLE and
/// the standards: hot paths per frame allocate nothing), over UDP and over TCP alike, in a silent
/// room and in a talking one, with wide mixes (members of ours), PicoTalk mixes (a plain member
/// among them) or both.</summary>
public sealed class RoomServerAllocationTests
{
    [Theory]
    [InlineData(RoomTransport.Udp, false, false)]
    [InlineData(RoomTransport.Tcp, false, false)]
    [InlineData(RoomTransport.Udp, true, false)]
    [InlineData(RoomTransport.Tcp, true, false)]
    [InlineData(RoomTransport.Udp, true, true)]
    public async Task MixingARoomAllocatesNothing(RoomTransport transport, bool talking, bool withPlainMember)
    {
        await using var harness = new RoomTestHarness();
        var members = new List<RoomClientSession>();
        for (int i = 0; i < 4; i++)
        {
            var options = harness.Options(transport, "quiet", "pw", $"m{i}");
            var member = await harness.JoinAsync(withPlainMember && i == 3 ? options with { Extensions = RoomExtensions.None } : options);
            members.Add(member);
        }

        foreach (var member in members)
        {
            Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
            Assert.Equal(transport == RoomTransport.Udp, member.AudioOverUdp);
            if (talking)
            {
                var tone = RoomTestHarness.Tone(8 + member.UserId);
                member.AudioSource = () => tone;
            }
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

        // The mixes were of the kind the case is about: wide and verified for members of ours
        // unless a plain member's frames made them PicoTalk mixes. (The burst of mixes above
        // outruns the members' packet rate limit, so not every frame reached the mixer; the
        // room's own 32 ms timer goes on meanwhile; over UDP a loaded machine drops some mixes.)
        var ours = members[0];
        if (!withPlainMember)
        {
            Assert.True(ours.VerifiedMixes > 0 && ours.UnverifiedMixes == 0, $"{ours.VerifiedMixes} verified, {ours.UnverifiedMixes} unverified");
        }
        else
        {
            Assert.True(SpinWait.SpinUntil(() => ours.UnverifiedMixes > 0, 5000), $"{ours.UnverifiedMixes} unverified");
        }

        Assert.All(members, m => Assert.Equal(0, m.IntegrityFailures));
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
