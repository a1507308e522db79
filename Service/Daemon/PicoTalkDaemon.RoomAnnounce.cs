using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Daemon;

/// <summary>The room server's rooms announced on the appliance's own DHT node (issue 7: rooms joined by name).</summary>
public sealed partial class PicoTalkDaemon
{
    private RoomAnnouncer? _roomAnnouncer;

    /// <summary>After the room server started: announce its open rooms and those of <c>room_server.announce</c>.</summary>
    private void StartRoomAnnouncer(RoomServer server)
    {
        if (_core.Dht is not { } dht)
        {
            return;
        }

        _roomAnnouncer = new RoomAnnouncer(_loop, dht, (ushort)server.TcpPort, Settings.Config.RoomServer.Announce, server.OpenRoomIds, _log.Info);
        _loop.Post(_roomAnnouncer.Start);
    }

    /// <summary>Peers announced for a room's info-hash (RoomController's join by name), on the loop.</summary>
    private Action<PicoTalk.Protocol.Identity.NodeId, Action<IReadOnlyList<PicoTalk.Protocol.Wire.PeerEndpoint>>>? FindRoom =>
        _core.Dht is { } dht ? dht.LookupPeers : null;
}
