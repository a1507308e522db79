using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>Issue 7: "bounded queues; a cap on rooms, members and packet rates".</summary>
public sealed class RoomServerCapsTests
{
    [Fact]
    public async Task TheRoomAfterTheLastIsRefusedAndAFreedSlotIsUsable()
    {
        await using var harness = new RoomTestHarness();
        var clients = new List<RoomClientSession>();
        for (int i = 0; i < RoomServerLimits.MaxRooms; i++)
        {
            clients.Add(await harness.JoinAsync(harness.Options(RoomTransport.Tcp, $"room{i}", "pw", "m")));
        }

        Assert.Equal(RoomServerLimits.MaxRooms, harness.Server.RoomCount);
        await Assert.ThrowsAsync<RoomClientException>(() =>
            RoomClientSession.ConnectAsync(harness.Options(RoomTransport.Tcp, "one too many", "pw", "m"), CancellationToken.None).WaitAsync(RoomTestHarness.Deadline));
        Assert.Equal(1, harness.Server.Counters.Refused);

        // An existing room still takes members; a closed room frees its slot.
        var second = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "room0", "pw", "m2"));
        Assert.Equal(RoomClientState.Authenticated, await second.Settled.WaitAsync(RoomTestHarness.Deadline));
        await clients[5].DisposeAsync();
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (harness.Server.RoomCount == RoomServerLimits.MaxRooms && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        var late = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "one too many", "pw", "m"));
        Assert.Equal(RoomClientState.Authenticated, await late.Settled.WaitAsync(RoomTestHarness.Deadline));
    }

    [Fact]
    public void TheSendQueueIsBoundedAndCountsWhatItDrops()
    {
        var connection = new ServerRoomConnection(new NullPipe(), new RateLimiter(TimeProvider.System, 1), "tcp");
        for (int i = 0; i < RoomServerLimits.SendQueuePackets; i++)
        {
            Assert.True(connection.Enqueue([1]));
        }

        Assert.False(connection.Enqueue([1]));
        Assert.Equal(1, connection.QueueDrops);
    }

    private sealed class NullPipe : IPacketPipe
    {
        public ValueTask<byte[]?> ReadAsync(CancellationToken ct) => ValueTask.FromResult<byte[]?>(null);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> packet, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
