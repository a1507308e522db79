using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Addresses, the authentication vouching rule and routing (PICOTALK.md "Inside a room").</summary>
public sealed class RoomMembershipTests
{
    private static ushort Join(RoomMembership room, bool expectAuthenticated)
    {
        Assert.True(room.TryJoin(out ushort id, out bool authenticated));
        Assert.Equal(expectAuthenticated, authenticated);
        return id;
    }

    [Fact]
    public void Peers_are_numbered_from_2_in_order_of_joining_and_only_the_first_is_authenticated()
    {
        var room = new RoomMembership();
        Assert.Equal(2, Join(room, true));
        Assert.Equal(3, Join(room, false));
        Assert.Equal(4, Join(room, false));
        Assert.True(room.Leave(3));
        Assert.Equal(5, Join(room, false)); // not reused
        Assert.Equal(new ushort[] { 2, 4, 5 }, room.Members);
    }

    [Fact]
    public void Only_an_authenticated_peer_can_vouch_and_only_once()
    {
        var room = new RoomMembership();
        ushort first = Join(room, true);
        ushort second = Join(room, false);
        ushort third = Join(room, false);
        Assert.False(room.TryVouch(second, third)); // unproven voucher
        Assert.False(room.TryVouch(second, second)); // self
        Assert.False(room.TryVouch(first, 99)); // stranger
        Assert.True(room.TryVouch(first, second));
        Assert.False(room.TryVouch(first, second)); // repeat: no second event
        Assert.True(room.TryVouch(second, third)); // now proven, it can vouch
        Assert.True(room.IsAuthenticated(third));
    }

    [Fact]
    public void A_peer_joining_an_emptied_room_is_authenticated()
    {
        var room = new RoomMembership();
        ushort first = Join(room, true);
        room.Leave(first);
        Join(room, true);
    }

    [Fact]
    public void Routing_drops_unproven_audio_and_talk_between_unproven_peers()
    {
        var room = new RoomMembership();
        ushort a = Join(room, true);
        ushort b = Join(room, false);
        ushort c = Join(room, false);

        Assert.Equal(RouteVerdict.ToServer, room.Route(a, 1, RoomPacketType.AudioFrame));
        Assert.Equal(RouteVerdict.Drop, room.Route(b, 1, RoomPacketType.AudioFrame));
        Assert.Equal(RouteVerdict.ToServer, room.Route(b, 1, RoomPacketType.Json));

        // The pairwise exchange between a member and a newcomer runs both ways.
        Assert.Equal(RouteVerdict.Forward, room.Route(a, b, RoomPacketType.Binary));
        Assert.Equal(RouteVerdict.Forward, room.Route(b, a, RoomPacketType.Binary));
        Assert.Equal(RouteVerdict.Drop, room.Route(b, c, RoomPacketType.Binary));

        Assert.Equal(RouteVerdict.Drop, room.Route(a, a, RoomPacketType.Json));
        Assert.Equal(RouteVerdict.Drop, room.Route(a, 0, RoomPacketType.Json));
        Assert.Equal(RouteVerdict.Drop, room.Route(a, 77, RoomPacketType.Json));
        Assert.Equal(RouteVerdict.Drop, room.Route(77, a, RoomPacketType.Json));
        Assert.Equal(RouteVerdict.Drop, room.Route(a, b, RoomPacketType.AudioFrame));

        room.TryVouch(a, b);
        Assert.Equal(RouteVerdict.Forward, room.Route(b, c, RoomPacketType.Binary));
        Assert.Equal(RouteVerdict.ToServer, room.Route(b, 1, RoomPacketType.AudioFrame));
    }

    [Fact]
    public void Peer_events_are_the_picotalk_objects()
    {
        Assert.Equal("{\"event\":\"peer_authenticated\",\"peer_id\":3}", RoomMembership.PeerEvent(RoomMessage.PeerAuthenticated, 3).ToString());
        Assert.Equal("{\"event\":\"peer_disconnected\",\"peer_id\":65535}", RoomMembership.PeerEvent(RoomMessage.PeerDisconnected, 65535).ToString());
    }
}
