namespace PicoTalk.Service.Rooms;

/// <summary>
/// The room server's bounds (issue 7: "bounded queues; a cap on rooms, members and packet rates").
/// These are our choices, not PicoTalk's: PICOTALK.md sets none.
/// </summary>
public static class RoomServerLimits
{
    /// <summary>Rooms served at once; a join that would open one more is refused (connection closed).</summary>
    public const int MaxRooms = 64;

    /// <summary>Members of one room; the mixer's buffers are sized for this many up front.</summary>
    public const int MaxMembersPerRoom = 128;

    /// <summary>
    /// Inner packets queued for one connection's writer. A member that reads slower than the room
    /// talks loses the newest packets (counted) instead of growing the server's memory. 64 packets
    /// are two seconds of mixes.
    /// </summary>
    public const int SendQueuePackets = 64;

    /// <summary>
    /// Packets per second one connection may send once joined (token bucket, burst of one second).
    /// Audio is 31.25 frames/s; the key exchanges of a newcomer in a full room are 3 packets per peer.
    /// </summary>
    public const int MaxPacketsPerSecond = 400;

    /// <summary>From accept to a valid join: a connection that dawdles longer is closed.</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    /// <summary>PICOTALK.md "Connection to the server" step 6: "failed" is sent over TCP after 2 s without a UDP check.</summary>
    public static readonly TimeSpan UdpCheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The UDP socket's receive buffer: a whole room's burst of answers to one mix, with room to spare.</summary>
    public const int UdpReceiveBufferBytes = 1 << 20;
}
