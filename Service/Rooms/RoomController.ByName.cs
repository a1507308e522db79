using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// Issue 7, "join a room by room name through the DHT": the room's server announces
/// SHA-1("picotalk-room:" + room id) (<see cref="RoomAnnouncer.InfoHash"/>); a get_peers lookup of it
/// names servers, and the first few are tried in order.
/// </summary>
/// <remarks>
/// Pinning (<see cref="RoomServerPins"/>): anyone may announce any info-hash on a DHT, so a server
/// found by name is held to the key pinned for the room (<see cref="RoomPinKey"/>), else to the one
/// pinned for its address; with neither, the join is a first use, pins both, and says so
/// (<see cref="RoomKeyPins.FirstUse"/>). A server whose key differs from the pin is skipped for the
/// next one; if none lets us in, the error names the pinned and the presented key.
/// </remarks>
public sealed partial class RoomController
{
    /// <summary>How long the DHT lookup may take before "no server announces" (a dial-by-ID lookup of a
    /// small DHT ends in well under a second; dead nodes cost 1 s timeouts and one retry each).</summary>
    public static readonly TimeSpan FindTimeout = TimeSpan.FromSeconds(8);

    /// <summary>Per server found: TCP connect, hellos and the join's reply. Three of these, the lookup and the
    /// 5 s password wait stay inside the command line's 30 s reply timeout.</summary>
    public static readonly TimeSpan FoundServerTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Servers tried, in the order the DHT gave them.</summary>
    public const int MaxServersTried = 3;

    /// <summary>The pin store's key of a room joined by name (beside "host:port" keys; never a valid host:port).</summary>
    internal static string RoomPinKey(string roomName) => "room:" + RoomId.FromName(roomName);

    /// <summary>On the loop: looks the room up, bounded by <see cref="FindTimeout"/>, then tries what it found.</summary>
    private void FindThenConnect(RoomJoinRequest request, int generation, TaskCompletionSource<RoomCommandResult> done)
    {
        bool settled = false;
        ITimer? bound = null;
        bound = _loop.CreateTimer(() =>
        {
            if (!settled)
            {
                settled = true;
                bound!.Dispose();
                Failed(generation, done, ControlErrorCodes.NotFound,
                    $"room: no server announces '{request.Room}' on the DHT (none found within {FindTimeout.TotalSeconds:0} s)");
            }
        }, FindTimeout, Timeout.InfiniteTimeSpan);
        _log($"rooms: looking up '{request.Room}' on the DHT");
        _findRoom!(RoomAnnouncer.InfoHash(RoomId.FromName(request.Room)), peers =>
        {
            if (!settled)
            {
                settled = true;
                bound.Dispose();
                Found(request, peers, generation, done);
            }
        });
    }

    private void Found(RoomJoinRequest request, IReadOnlyList<PeerEndpoint> peers, int generation, TaskCompletionSource<RoomCommandResult> done)
    {
        if (generation != _generation)
        {
            done.TrySetResult(RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "left the room while joining"));
            return;
        }

        if (peers.Count == 0)
        {
            Failed(generation, done, ControlErrorCodes.NotFound, $"room: no server announces '{request.Room}' on the DHT");
            return;
        }

        string roomPinKey = RoomPinKey(request.Room);
        byte[]? roomPin = request.AcceptNewKey ? null : _pins.Find(roomPinKey);
        var candidates = new List<(RoomJoinRequest Attempt, byte[]? Pinned)>();
        foreach (var peer in peers.Take(MaxServersTried))
        {
            var ip = peer.ToIPEndPoint();
            var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
            var attempt = request with { Host = address.ToString(), Port = ip.Port };
            candidates.Add((attempt, request.AcceptNewKey ? null : roomPin ?? _pins.Find(Server(attempt))));
        }

        _log($"rooms: {peers.Count} server(s) announce '{request.Room}' on the DHT; trying {string.Join(", ", candidates.Select(c => Server(c.Attempt)))}");
        _ = ConnectFoundOffLoopAsync(request, candidates, roomPinKey, peers.Count, generation, done);
    }

    /// <summary>Off the loop: each candidate in turn, within <see cref="FoundServerTimeout"/>; the first that lets us in wins.</summary>
    private async Task ConnectFoundOffLoopAsync(RoomJoinRequest request, List<(RoomJoinRequest Attempt, byte[]? Pinned)> candidates,
        string roomPinKey, int announced, int generation, TaskCompletionSource<RoomCommandResult> done)
    {
        var reasons = new List<string>();
        string code = ControlErrorCodes.Internal;
        foreach (var (attempt, pinned) in candidates)
        {
            using var bound = new CancellationTokenSource(FoundServerTimeout, _loop.Time);
            try
            {
                var session = await RoomClientSession.ConnectAsync(Options(attempt, attempt.Room, attempt.Password, pinned), bound.Token).ConfigureAwait(false);
                _loop.Post(() => Connected(generation, session, done, attempt, roomPinKey));
                return;
            }
            catch (Exception e) when (e is RoomClientException or IOException or System.Net.Sockets.SocketException or TimeoutException
                or System.Net.WebSockets.WebSocketException or OperationCanceledException)
            {
                string message = bound.IsCancellationRequested ? $"no answer within {FoundServerTimeout.TotalSeconds:0} s" : e.Message;
                if (pinned is not null && e is RoomClientException && message.Contains("pinned", StringComparison.Ordinal))
                {
                    code = RoomsNames.KeyChanged;
                    message = await KeyChangedMessageAsync(attempt, pinned).ConfigureAwait(false);
                }

                reasons.Add($"{Server(attempt)}: {message}");
            }
        }

        _loop.Post(() => Failed(generation, done, code,
            $"room '{request.Room}': {announced} server(s) announce it on the DHT, none let us in: {string.Join("; ", reasons)}"));
    }
}
