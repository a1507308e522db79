using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Control;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Rooms;

/// <summary>What a <c>rooms</c> op gives back: the status, or an error code and message.</summary>
public sealed record RoomCommandResult(RoomStatus? Status, string? ErrorCode = null, string? Message = null)
{
    public static RoomCommandResult Fail(string code, string message) => new(null, code, message);
}

/// <summary>
/// A join as the control socket asked for it (issue 7 "join a room by server address, password and user
/// name"). An empty <see cref="Host"/> (and port 0) asks to find the room's server by name on the DHT.
/// </summary>
public sealed record RoomJoinRequest(string Host, int Port, RoomTransport Transport, string Room, string Password, string UserName, bool AcceptNewKey, bool Talk)
{
    /// <summary>No server given: look the room up by name (RoomController.ByName.cs).</summary>
    public bool ByName => Host.Length == 0;
}

/// <summary>
/// The appliance's one room (issue 7, appliance side): join, leave, chat, members, talk. Owned by
/// the event loop: every entry point asserts it runs there; the connection and the key exchange run
/// off it and post their outcome back.
/// <code>
///   Idle --join--> Connecting --settled authenticated--> Joined
///                  Connecting --wrong password | error | key changed | leave--> Idle
///   Joined --leave | session closed--> Idle
/// </code>
/// The server's identity key is pinned on first use (<see cref="RoomServerPins"/>); a server that
/// presents another key is refused, naming both fingerprints, unless the join says accept_new_key.
/// A join without a server finds it by the room's name on the DHT first (RoomController.ByName.cs).
/// </summary>
public sealed partial class RoomController
{
    private readonly EventLoop _loop;
    private readonly RoomServerPins _pins;
    private readonly AudioDeviceSpec _input;
    private readonly AudioDeviceSpec _output;
    private readonly int _frameMs;
    private readonly Action<ControlEvent> _publish;
    private readonly Action<string> _log;
    private readonly Action<NodeId, Action<IReadOnlyList<PeerEndpoint>>>? _findRoom;
    private RoomControllerState _state = RoomControllerState.Idle;
    private RoomJoinRequest? _request;
    private RoomClientSession? _session;
    private RoomAudio? _audio;
    private int _generation;
    private volatile bool _talking;
    private string? _keyPin;
    private bool _foundOnDht;

    /// <param name="findRoom">
    /// On the loop: the peers announced for an info-hash, reported on the loop (the daemon's
    /// <see cref="PicoTalk.Protocol.Dht.DhtNode.LookupPeers"/>); null when there is no DHT to join by name through.
    /// </param>
    public RoomController(EventLoop loop, string stateDirectory, AudioDeviceSpec input, AudioDeviceSpec output, int frameMs,
        Action<ControlEvent> publish, Action<string> log, Action<NodeId, Action<IReadOnlyList<PeerEndpoint>>>? findRoom = null)
    {
        _findRoom = findRoom;
        _loop = loop;
        _pins = new RoomServerPins(stateDirectory, log);
        _input = input;
        _output = output;
        _frameMs = frameMs;
        _publish = publish;
        _log = log;
    }

    private enum RoomControllerState
    {
        Idle,
        Connecting,
        Joined,
    }

    /// <summary>True while connecting to or in a room (the lead's call/room exclusion reads this).</summary>
    public bool InRoom
    {
        get
        {
            _loop.AssertOnLoop();
            return _state != RoomControllerState.Idle;
        }
    }

    /// <summary>Whether our input goes to the room. Set by <c>rooms talk</c> or the join's <c>talk</c>; a push-to-talk button may drive it.</summary>
    public bool Talking
    {
        get => _talking;
        set
        {
            _loop.AssertOnLoop();
            _talking = value;
        }
    }

    /// <summary>The session while joined (tests read its figures).</summary>
    internal RoomAudio? Audio => _audio;

    /// <summary>Starts a join; the task completes (on the loop) once the room accepted our password, or with the reason it did not.</summary>
    public Task<RoomCommandResult> JoinAsync(RoomJoinRequest request)
    {
        _loop.AssertOnLoop();
        if (_state != RoomControllerState.Idle)
        {
            return Task.FromResult(RoomCommandResult.Fail(ControlErrorCodes.InvalidState,
                $"already in room '{_request!.Room}' on {Server(_request)}; leave first"));
        }

        if (request.ByName && _findRoom is null)
        {
            return Task.FromResult(RoomCommandResult.Fail(ControlErrorCodes.InvalidState,
                $"room: '{request.Room}' cannot be looked up by name: this daemon runs no DHT; give the server's HOST:PORT"));
        }

        _request = request;
        _talking = request.Talk;
        int generation = ++_generation;
        SetState(RoomControllerState.Connecting, "join");
        var done = new TaskCompletionSource<RoomCommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (request.ByName)
        {
            FindThenConnect(request, generation, done);
            return done.Task;
        }

        string server = Server(request);
        byte[]? pinned = request.AcceptNewKey ? null : _pins.Find(server);
        _ = ConnectOffLoopAsync(request, pinned, generation, done);
        return done.Task;
    }

    public RoomCommandResult Leave()
    {
        _loop.AssertOnLoop();
        if (_state == RoomControllerState.Idle)
        {
            return RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "not in a room");
        }

        _ = TearDown("leave");
        return new RoomCommandResult(Status());
    }

    public RoomCommandResult Say(string text)
    {
        _loop.AssertOnLoop();
        if (_state != RoomControllerState.Joined || _session is null)
        {
            return RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "not in a room");
        }

        int sent = _session.SendChat(text);
        _log($"rooms: said {text.Length} characters to {sent} member(s)");
        return new RoomCommandResult(Status());
    }

    /// <summary>Starts or stops sending our input; only in a room (the next join sets it from its own <c>talk</c>).</summary>
    public RoomCommandResult Talk(bool on)
    {
        _loop.AssertOnLoop();
        if (_state == RoomControllerState.Idle)
        {
            return RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "not in a room");
        }

        Talking = on;
        return new RoomCommandResult(Status());
    }

    public RoomStatus Status()
    {
        _loop.AssertOnLoop();
        var members = _session?.Members.Select(m => new RoomMemberEntry(m.PeerId, m.UserName, m.Verified && !m.WrongPassword, m.WrongPassword)).ToList() ?? [];
        return new RoomStatus(
            _state switch
            {
                RoomControllerState.Connecting => RoomStates.Connecting,
                RoomControllerState.Joined => RoomStates.Joined,
                _ => RoomStates.Idle,
            },
            _request?.Room,
            _request is null ? null : Server(_request),
            _session is { ServerIdentityKey.Length: > 0 } s ? RoomServerPins.Fingerprint(s.ServerIdentityKey) : null,
            members,
            _talking,
            _session is null ? null : _keyPin,
            _foundOnDht ? "dht" : null,
            _session is null ? null : _request?.UserName,
            _session is { } session ? new RoomAudioProtection(session.WideAudio, session.VerifiedMixes, session.UnverifiedMixes,
                session.IntegrityFailures, session.LostFrames, session.KeyEpoch) : null);
    }

    /// <summary>"host:port", "[v6]:port", or "dht" while a join by name looks for the server.</summary>
    private static string Server(RoomJoinRequest r) => r.ByName ? "dht" : r.Host.Contains(':', StringComparison.Ordinal) ? $"[{r.Host}]:{r.Port}" : $"{r.Host}:{r.Port}";

    private RoomClientOptions Options(RoomJoinRequest r, string room, string password, byte[]? pinned) => new()
    {
        Host = r.Host,
        Port = r.Port,
        Transport = r.Transport,
        RoomName = room,
        Password = password,
        UserName = r.UserName,
        PinnedServerKey = pinned,
        Time = _loop.Time,
    };

    /// <summary>Off the loop: connect, then wait until the room settled our password; every outcome is posted back.</summary>
    private async Task ConnectOffLoopAsync(RoomJoinRequest request, byte[]? pinned, int generation, TaskCompletionSource<RoomCommandResult> done)
    {
        RoomClientSession session;
        try
        {
            session = await RoomClientSession.ConnectAsync(Options(request, request.Room, request.Password, pinned), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RoomClientException or IOException or System.Net.Sockets.SocketException or TimeoutException
            or System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
            string message = e.Message;
            string code = ControlErrorCodes.Internal;
            if (pinned is not null && e is RoomClientException && message.Contains("pinned", StringComparison.Ordinal))
            {
                code = RoomsNames.KeyChanged;
                message = await KeyChangedMessageAsync(request, pinned).ConfigureAwait(false);
            }

            _loop.Post(() => Failed(generation, done, code, $"cannot join {Server(request)}: {message}"));
            return;
        }

        _loop.Post(() => Connected(generation, session, done, request, roomPinKey: null));
    }

    /// <summary>
    /// Learns the key the server presents now by a throwaway join (a random room and password: no
    /// secret of ours meets the unknown server), so the refusal can name both fingerprints.
    /// </summary>
    private async Task<string> KeyChangedMessageAsync(RoomJoinRequest request, byte[] pinned)
    {
        string now = "unknown";
        try
        {
            string random = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await using var probe = await RoomClientSession.ConnectAsync(
                Options(request with { Transport = RoomTransport.Tcp }, "key-probe-" + random, random, null) with
                {
                    // The probe only reads the server's key: plain PicoTalk skips stretching a throwaway password.
                    Extensions = PicoTalk.Protocol.Rooms.RoomExtensions.None,
                }, CancellationToken.None).ConfigureAwait(false);
            now = RoomServerPins.Fingerprint(probe.ServerIdentityKey);
        }
        catch (Exception e) when (e is RoomClientException or IOException or System.Net.Sockets.SocketException or TimeoutException
            or System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
        }

        return $"the server's identity key changed: pinned {RoomServerPins.Fingerprint(pinned)}, now {now}; "
            + "join again with accept_new_key if the server was re-installed";
    }

    private void Failed(int generation, TaskCompletionSource<RoomCommandResult> done, string code, string message)
    {
        if (generation == _generation)
        {
            _log($"rooms: {message}");
            _ = TearDown(code);
        }

        done.TrySetResult(RoomCommandResult.Fail(code, message));
    }

    /// <summary>
    /// Connected to <paramref name="resolved"/> (the server asked for, or one found on the DHT, whose
    /// room pin is <paramref name="roomPinKey"/>): pins what had no pin (or everything, with
    /// accept_new_key) and notes how the key was checked, then waits for the room to settle our password.
    /// </summary>
    private void Connected(int generation, RoomClientSession session, TaskCompletionSource<RoomCommandResult> done,
        RoomJoinRequest resolved, string? roomPinKey)
    {
        if (generation != _generation)
        {
            // Left (or re-joined) while connecting.
            _ = session.DisposeAsync().AsTask();
            done.TrySetResult(RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "left the room while joining"));
            return;
        }

        _request = resolved;
        _foundOnDht = roomPinKey is not null;
        string server = Server(resolved);
        byte[]? serverPin = _pins.Find(server);
        byte[]? roomPin = roomPinKey is null ? null : _pins.Find(roomPinKey);
        byte[]? expected = roomPin ?? serverPin;
        _keyPin = expected is null ? RoomKeyPins.FirstUse
            : expected.AsSpan().SequenceEqual(session.ServerIdentityKey) ? RoomKeyPins.Verified : RoomKeyPins.Repinned;
        foreach (var (key, pin) in new[] { (server, serverPin), (roomPinKey, roomPin) })
        {
            if (key is not null && (pin is null || resolved.AcceptNewKey))
            {
                _pins.Pin(key, session.ServerIdentityKey);
                _log($"rooms: pinned {key} key {RoomServerPins.Fingerprint(session.ServerIdentityKey)} ({_keyPin})");
            }
        }

        _session = session;
        session.ChatReceived += (from, text) => _loop.Post(() => OnChat(session, from, text));
        session.Warning += text => _loop.Post(() => OnWarning(session, text));
        session.StateChanged += state => _loop.Post(() => OnSessionState(session, state));
        _ = session.Settled.ContinueWith(t => _loop.Post(() => Settled(generation, session, t.Result, done)), TaskScheduler.Default);
    }

    private void Settled(int generation, RoomClientSession session, RoomClientState state, TaskCompletionSource<RoomCommandResult> done)
    {
        if (generation != _generation || _session != session)
        {
            done.TrySetResult(RoomCommandResult.Fail(ControlErrorCodes.InvalidState, "left the room while joining"));
            return;
        }

        switch (state)
        {
            case RoomClientState.Authenticated:
                _audio = new RoomAudio(session, _input, _output, _frameMs, _loop.Time, () => _talking, _log);
                _audio.Start();
                SetState(RoomControllerState.Joined, "authenticated");
                done.TrySetResult(new RoomCommandResult(Status()));
                break;
            case RoomClientState.WrongPassword:
                Failed(generation, done, RoomsNames.WrongPassword, $"room '{_request!.Room}' on {Server(_request)}: the members did not accept our password");
                break;
            default:
                Failed(generation, done, ControlErrorCodes.Internal, $"room '{_request!.Room}' on {Server(_request)}: the server closed the connection");
                break;
        }
    }

    private void OnSessionState(RoomClientSession session, RoomClientState state)
    {
        // Ignored: states of a session we already left, and anything but the end of a joined one.
        if (session == _session && _state == RoomControllerState.Joined && state == RoomClientState.Closed)
        {
            _log($"rooms: the server closed room '{_request!.Room}'");
            _ = TearDown("closed");
        }
    }

    private void OnWarning(RoomClientSession session, string text)
    {
        if (session == _session)
        {
            _log(text);
            _publish(ControlEvent.Create(RoomsNames.WarningEvent, new RoomWarningEventData(text), ControlJsonContext.Default.RoomWarningEventData));
        }
    }

    private void OnChat(RoomClientSession session, ushort from, string text)
    {
        if (session != _session)
        {
            return;
        }

        string? name = session.Members.FirstOrDefault(m => m.PeerId == from)?.UserName;
        _publish(ControlEvent.Create(RoomsNames.ChatEvent, new RoomChatEventData(from, name, text), ControlJsonContext.Default.RoomChatEventData));
    }

    /// <summary>Leaves the room if in one (daemon shutdown); completes once the audio devices and the connection are closed.</summary>
    public Task CloseAsync()
    {
        _loop.AssertOnLoop();
        return _state == RoomControllerState.Idle ? Task.CompletedTask : TearDown("shutdown");
    }

    /// <summary>Closes the session and the audio off the loop; back to Idle.</summary>
    private Task TearDown(string on)
    {
        _generation++;
        var audio = _audio;
        var session = _session;
        _audio = null;
        _session = null;
        _request = null;
        _talking = false;
        _keyPin = null;
        _foundOnDht = false;
        SetState(RoomControllerState.Idle, on);
        return Task.Run(async () =>
        {
            audio?.Dispose();
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        });
    }

    /// <summary>The one place the state changes (STYLE.md 5): logged "was X, on Y, now Z" and published as a <c>room</c> event.</summary>
    private void SetState(RoomControllerState now, string on)
    {
        var was = _state;
        _state = now;
        _log($"rooms: was {was}, on {on}, now {now}");
        _publish(ControlEvent.Create(RoomsNames.RoomEvent, Status(), ControlJsonContext.Default.RoomStatus));
    }
}
