using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7: the room server announces SHA-1("picotalk-room:" + room id) on the appliance's DHT for
/// every room it has open and for the rooms of <c>room_server.announce</c>, and stops when a room
/// closes unless configured. A real <see cref="DhtNode"/> (its datagrams go nowhere) on a manual
/// loop under a fake clock.
/// </summary>
public sealed class RoomAnnouncerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(11);
    private readonly EventLoop _loop;
    private readonly DhtNode _dht;
    private readonly List<string> _log = [];
    private volatile string[] _open = [];

    public RoomAnnouncerTests()
    {
        _loop = EventLoop.CreateManual(_time, e => throw e);
        _dht = new DhtNode(NodeId.Read(new byte[NodeId.Size]), new Nowhere(), _time, new DropCounters());
    }

    [Fact]
    public void InfoHash_IsSha1OfThePrefixAndTheRoomId()
    {
        // Python: hashlib.sha1(b"picotalk-room:" + hashlib.sha512(b"lobby").hexdigest()[:64].encode()).hexdigest()
        Assert.Equal("50aa5a0cda2de2511c5b03ebe2660b5054f50cf0", RoomAnnouncer.InfoHash(RoomId.FromName("lobby")).ToString());
    }

    [Fact]
    public void ConfiguredRooms_AreAnnouncedAtStart_OpenOnesWhileOpen_AndAClosedOneIsWithdrawn()
    {
        using var announcer = new RoomAnnouncer(_loop, _dht, 9999, ["hall"], () => _open, _log.Add);
        announcer.Start();
        Assert.True(_dht.IsAnnouncing(Hash("hall")));
        Assert.Equal(1, _dht.AnnouncedInfoHashCount);

        _open = [RoomId.FromName("lobby"), RoomId.FromName("hall")];
        Step();
        Assert.True(_dht.IsAnnouncing(Hash("lobby")));
        Assert.Equal(2, _dht.AnnouncedInfoHashCount);

        _open = [];
        Step();
        Assert.False(_dht.IsAnnouncing(Hash("lobby")));
        Assert.True(_dht.IsAnnouncing(Hash("hall"))); // configured: found by name before anyone is in it
        Assert.Equal([RoomId.FromName("hall")], announcer.Announced);
    }

    [Fact]
    public async Task OpenRoomIds_IsTheRoomServersRoomsNow()
    {
        await using var harness = new RoomTestHarness();
        Assert.Empty(harness.Server.OpenRoomIds());
        var member = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "lobby", "pw", "alice"));
        Assert.Equal([RoomId.FromName("lobby")], harness.Server.OpenRoomIds());
        await member.DisposeAsync();
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (harness.Server.OpenRoomIds().Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the room did not close after its last member left");
            await Task.Delay(20);
        }
    }

    private static NodeId Hash(string room) => RoomAnnouncer.InfoHash(RoomId.FromName(room));

    /// <summary>One snapshot: the timer fires on the fake clock, the loop applies it.</summary>
    private void Step()
    {
        _time.Advance(RoomAnnouncer.SnapshotInterval);
        _loop.RunPending();
    }

    public void Dispose() => _loop.Dispose();

    private sealed class Nowhere : IDatagramSender
    {
        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
        }
    }
}
