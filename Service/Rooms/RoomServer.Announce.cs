namespace PicoTalk.Service.Rooms;

/// <summary>What <see cref="RoomAnnouncer"/> reads of the room server (issue 7: rooms found by name through the DHT).</summary>
public sealed partial class RoomServer
{
    /// <summary>
    /// The ids (64 hex, <see cref="PicoTalk.Protocol.Rooms.RoomId"/>) of the rooms open now, copied
    /// under the server's lock: a snapshot, taken off the event loop (the lock is the mixer's too).
    /// </summary>
    public IReadOnlyCollection<string> OpenRoomIds()
    {
        lock (_gate)
        {
            return [.. _rooms.Keys];
        }
    }
}
