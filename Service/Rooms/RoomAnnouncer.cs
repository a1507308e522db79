using System.Security.Cryptography;
using System.Text;
using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// Issue 7: "join a room by room name through the DHT, where the room server announces SHA-1 of
/// "picotalk-room:" + room id as an info-hash". Ties the room server to the appliance's own DHT node
/// (one UDP socket): every room open on the server, and every room named in
/// <c>room_server.announce</c> (so a room can be found before anyone is in it), is announced with
/// the server's TCP port (<see cref="DhtNode.AnnounceInfoHash"/>); a room that closes is withdrawn
/// unless configured.
/// </summary>
/// <remarks>
/// The server's rooms are read as a snapshot every <see cref="SnapshotInterval"/> off the loop (its
/// lock is the mixer's; the loop must not wait for a mix), and the difference is applied on the loop,
/// which owns the DHT.
/// </remarks>
public sealed class RoomAnnouncer : IDisposable
{
    /// <summary>How often the open rooms are looked at: a room opened now is announced within this (plus the DHT's spacing).</summary>
    public static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(2);

    private const string InfoHashPrefix = "picotalk-room:";

    private readonly EventLoop _loop;
    private readonly DhtNode _dht;
    private readonly ushort _port;
    private readonly HashSet<string> _configured;
    private readonly Func<IReadOnlyCollection<string>> _openRoomIds;
    private readonly Action<string> _log;
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private bool _fullLogged;

    /// <param name="configuredNames">Room names (not ids) announced for as long as we run.</param>
    /// <param name="openRoomIds">The ids of the rooms open now (<see cref="RoomServer.OpenRoomIds"/>); called off the loop.</param>
    public RoomAnnouncer(EventLoop loop, DhtNode dht, ushort port, IEnumerable<string> configuredNames,
        Func<IReadOnlyCollection<string>> openRoomIds, Action<string> log)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        _loop = loop;
        _dht = dht;
        _port = port;
        _configured = configuredNames.Select(RoomId.FromName).ToHashSet(StringComparer.Ordinal);
        _openRoomIds = openRoomIds;
        _log = log;
    }

    /// <summary>The room ids announced now (on the loop).</summary>
    public IReadOnlyCollection<string> Announced
    {
        get
        {
            _loop.AssertOnLoop();
            return [.. _announced];
        }
    }

    /// <summary>The info-hash a room is announced under: SHA-1 of the UTF-8 of "picotalk-room:" + its 64-hex id.</summary>
    public static NodeId InfoHash(string roomId) => NodeId.Read(SHA1.HashData(Encoding.UTF8.GetBytes(InfoHashPrefix + roomId)));

    /// <summary>On the loop: announces the configured rooms now, then follows the open ones.</summary>
    public void Start()
    {
        _loop.AssertOnLoop();
        Apply([]);
        _timer = _loop.Time.CreateTimer(_ => Snapshot(), null, SnapshotInterval, SnapshotInterval);
    }

    /// <summary>On the loop: announces what is configured or open and not yet announced; withdraws what is neither.</summary>
    internal void Apply(IReadOnlyCollection<string> open)
    {
        _loop.AssertOnLoop();
        foreach (string roomId in _configured.Concat(open))
        {
            if (_announced.Contains(roomId))
            {
                continue;
            }

            if (!_dht.AnnounceInfoHash(InfoHash(roomId), _port))
            {
                if (!_fullLogged)
                {
                    _fullLogged = true;
                    _log($"rooms: {DhtNode.MaxAnnouncedInfoHashes} rooms announced on the DHT already; more are not findable by name");
                }

                continue;
            }

            _announced.Add(roomId);
            _log($"rooms: announcing room {roomId[..16]}.. on the DHT (tcp {_port})");
        }

        var openSet = open.ToHashSet(StringComparer.Ordinal);
        foreach (string roomId in _announced.Where(id => !_configured.Contains(id) && !openSet.Contains(id)).ToList())
        {
            _dht.WithdrawInfoHash(InfoHash(roomId));
            _announced.Remove(roomId);
            _fullLogged = false;
            _log($"rooms: room {roomId[..16]}.. closed; no longer announced on the DHT");
        }
    }

    private void Snapshot()
    {
        var open = _openRoomIds();
        _loop.Post(() => Apply(open));
    }

    public void Dispose() => _timer?.Dispose();
}
