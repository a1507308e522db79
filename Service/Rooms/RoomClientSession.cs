using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// A client of one PicoTalk room (PICOTALK.md "Connection to the server", "Inside a room", "Audio")
/// over TCP, UDP (audio; control over TCP) or WebSocket: hello check, triple DH (the server's
/// identity key is exposed for pinning), join, pairwise password exchange and peer channels,
/// vouching, encrypted audio, end-to-end chat, and a clear <see cref="RoomClientState.WrongPassword"/>.
/// </summary>
/// <remarks>
/// Threads: a reader per socket; all session state sits under one lock (<c>_gate</c>). Events are
/// raised on a reader, under that lock: handlers must be short and may call <see cref="SendAudio"/>
/// or <see cref="SendChat"/> (the lock is re-entrant) but must not block.
/// </remarks>
public sealed partial class RoomClientSession : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly RoomClientOptions _options;
    private readonly IPacketPipe _pipe;
    private readonly CancellationTokenSource _closing = new();
    private readonly Channel<byte[]> _sendQueue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly TaskCompletionSource<RoomClientState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _udpChecked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _tasks = [];
    private SecureChannel? _stream;
    private SecureChannel? _udpChannel;
    private Socket? _udp;
    private uint _udpStreamId;
    private ushort _udpPort;
    private bool _useUdp;
    private ITimer? _passwordTimer;
    private StretchedPassword? _stretchedPassword;

    private RoomClientSession(RoomClientOptions options, IPacketPipe pipe)
    {
        _options = options;
        _pipe = pipe;
    }

    /// <summary>The server's identity public key (32 bytes), to pin.</summary>
    public byte[] ServerIdentityKey { get; private set; } = [];

    /// <summary>Our address in the room (2, 3, ...).</summary>
    public ushort UserId { get; private set; }

    public RoomClientState State { get; private set; } = RoomClientState.Connecting;

    /// <summary>The extensions both we and the server speak (from its "joined"; none from a PicoTalk server).</summary>
    public RoomExtensions ServerExtensions { get; private set; }

    /// <summary>Completes with <see cref="RoomClientState.Authenticated"/> or <see cref="RoomClientState.WrongPassword"/> (or Closed).</summary>
    public Task<RoomClientState> Settled => _settled.Task;

    /// <summary>True once the server answered our UDP check and our audio goes over UDP.</summary>
    public bool AudioOverUdp => _useUdp;

    public event Action<RoomClientState>? StateChanged;

    /// <summary>Connects, checks the hello, runs the key exchange and joins; returns once the server gave us our address.</summary>
    public static async Task<RoomClientSession> ConnectAsync(RoomClientOptions options, CancellationToken ct)
    {
        // Argon2id takes 0.1-0.3 s at the interactive limits: stretch on the pool while we connect,
        // and have it ready before the join goes out (a peer's CPace value may follow at once).
        Task<StretchedPassword?> stretching = Task.Run(() => Stretch(options), CancellationToken.None);
        IPacketPipe pipe;
        try
        {
            pipe = await OpenPipeAsync(options, ct).ConfigureAwait(false);
        }
        catch
        {
            await DiscardAsync(stretching).ConfigureAwait(false);
            throw;
        }

        var session = new RoomClientSession(options, pipe);
        try
        {
            await session.HandshakeAsync(ct).ConfigureAwait(false);
            session._stretchedPassword = await stretching.ConfigureAwait(false);
            session._tasks.Add(session.WriteLoopAsync());
            session.Enqueue(Packets.Json(0, RoomMembership.Server, new RoomMessage { RoomId = RoomId.FromName(options.RoomName), Extensions = options.Extensions is RoomExtensions.None ? null : options.Extensions }));
            session._tasks.Add(session.ReadLoopAsync());
            await session._joined.Task.WaitAsync(TimeSpan.FromSeconds(5), options.Time, ct).ConfigureAwait(false);
            await session.ChooseTransportAsync(ct).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            await DiscardAsync(stretching).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The password stretched once per session for the extensions that key from it (CPace's PRS,
    /// the mix integrity key); null when we announce neither, as a plain PicoTalk client.
    /// </summary>
    private static StretchedPassword? Stretch(RoomClientOptions options)
    {
        if ((options.Extensions & (RoomExtensions.Cpace | RoomExtensions.WideAudio)) == 0)
        {
            return null;
        }

        try
        {
            return StretchedPassword.Derive(options.Password, RoomId.FromName(options.RoomName), options.PasswordStretch);
        }
        catch (InvalidOperationException e)
        {
            // Argon2id refused the limits or found no memory: a join failure the caller reports.
            throw new RoomClientException($"cannot stretch the room password: {e.Message}");
        }
    }

    /// <summary>Wipes a stretched password nobody took (the connection failed); its own failure is moot then.</summary>
    private static async Task DiscardAsync(Task<StretchedPassword?> stretching)
    {
        try
        {
            (await stretching.ConfigureAwait(false))?.Dispose();
        }
        catch (RoomClientException)
        {
        }
    }

    private static async Task<IPacketPipe> OpenPipeAsync(RoomClientOptions options, CancellationToken ct)
    {
        if (options.Transport == RoomTransport.WebSocket)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new UriBuilder("ws", options.Host, options.Port, WebSocketUpgrade.Path).Uri, ct).ConfigureAwait(false);
            return new WebSocketPacketPipe(socket);
        }

        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(options.Host, options.Port, ct).ConfigureAwait(false);
        return new StreamPacketPipe(client.GetStream());
    }

    /// <summary>Steps 1-3: the version hello in clear, then both hellos of the triple DH.</summary>
    private async Task HandshakeAsync(CancellationToken ct)
    {
        byte[] version = await _pipe.ReadAsync(ct).ConfigureAwait(false) ?? throw new RoomClientException("the server closed before its hello");
        if (!IsSupportedHello(version))
        {
            throw new RoomClientException("the server does not speak PicoTalk 0.0.20");
        }

        using var identity = X25519KeyPair.Generate();
        using var handshake = new TransportHandshake(ChannelRole.Initiator, identity);
        var hello = new byte[TransportHandshake.HelloSize];
        handshake.WriteHello(hello);
        await _pipe.WriteAsync(Packets.Make(RoomPacketType.Binary, 0, 0, hello), ct).ConfigureAwait(false);
        byte[] theirs = await _pipe.ReadAsync(ct).ConfigureAwait(false) ?? throw new RoomClientException("the server closed during the key exchange");
        Complete(handshake, theirs);
    }

    private static bool IsSupportedHello(byte[] packet) =>
        RoomPacket.TryReadWhole(packet, out var p, out _) && p.Type == RoomPacketType.Json
        && RoomMessage.TryParse(p.Payload, out var m) && m.IsSupportedVersion;

    private void Complete(TransportHandshake handshake, byte[] theirs)
    {
        Span<byte> key = stackalloc byte[TransportHandshake.KeySize];
        try
        {
            if (!RoomPacket.TryReadWhole(theirs, out var packet, out _) || packet.Type != RoomPacketType.Binary || !handshake.TryComplete(packet.Payload, key))
            {
                throw new RoomClientException("the server's key exchange is invalid");
            }

            ServerIdentityKey = handshake.TheirIdentity.ToArray();
            if (_options.PinnedServerKey is { } pinned && !pinned.AsSpan().SequenceEqual(ServerIdentityKey))
            {
                throw new RoomClientException("the server's identity key is not the pinned one");
            }

            _stream = new SecureChannel(key, ChannelKind.Stream, ChannelRole.Initiator);
            _udpChannel = new SecureChannel(key, ChannelKind.Udp, ChannelRole.Initiator);
        }
        finally
        {
            key.Clear();
        }
    }

    /// <summary>Step 6: over UDP, check the path (a few tries within 2 s), then tell the server where audio goes.</summary>
    private async Task ChooseTransportAsync(CancellationToken ct)
    {
        if (_options.Transport == RoomTransport.Udp)
        {
            var addresses = await Dns.GetHostAddressesAsync(_options.Host, ct).ConfigureAwait(false);
            var server = new IPEndPoint(addresses[0], _udpPort);
            _udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _udp.Connect(server);
            _tasks.Add(UdpLoopAsync());
            for (int attempt = 0; attempt < 8 && !_udpChecked.Task.IsCompleted; attempt++)
            {
                lock (_gate)
                {
                    SendUdp(Packets.Json(UserId, RoomMembership.Server, new RoomMessage { UdpCheck = "init" }));
                }

                await Task.WhenAny(_udpChecked.Task, Task.Delay(TimeSpan.FromMilliseconds(250), _options.Time, ct)).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _useUdp = _udpChecked.Task.IsCompleted;
            }
        }

        Enqueue(Packets.Json(UserId, RoomMembership.Server, new RoomMessage { UseUdp = _useUdp }));
    }

    /// <summary>Queues an inner packet for the stream writer (which seals in queue order).</summary>
    private void Enqueue(byte[] innerPacket) => _sendQueue.Writer.TryWrite(innerPacket);

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (byte[] inner in _sendQueue.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                var outer = new byte[RoomPacket.HeaderSize + inner.Length + _stream!.Overhead];
                _stream.SealPacket(inner, outer);
                await _pipe.WriteAsync(outer, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync()
    {
        var inner = new byte[RoomPacket.MaxPacketSize];
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                byte[]? outer = await _pipe.ReadAsync(_closing.Token).ConfigureAwait(false);
                if (outer is null || !TryOpenOuter(outer, inner, out int length))
                {
                    break;
                }

                HandleInner(inner.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
        {
        }

        _joined.TrySetException(new RoomClientException("the server closed the connection before it admitted us"));
        lock (_gate)
        {
            SetState(RoomClientState.Closed);
        }
    }

    private bool TryOpenOuter(byte[] outer, byte[] inner, out int length)
    {
        length = 0;
        return RoomPacket.TryReadWhole(outer, out var packet, out _) && packet.Type == RoomPacketType.Binary
            && _stream!.TryOpen(packet.Payload, inner, out length);
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[RoomDatagram.MaxSize];
        var inner = new byte[RoomPacket.MaxPacketSize];
        while (!_closing.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _udp!.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            if (RoomDatagram.TryRead(buffer.AsSpan(0, n), out uint streamId, out var packet, out _) && streamId == _udpStreamId
                && packet.Type == RoomPacketType.Binary && _udpChannel!.TryOpen(packet.Payload, inner, out int length))
            {
                HandleInner(inner.AsSpan(0, length));
            }
        }
    }

    /// <summary>Seals an inner packet with the UDP channel and sends it (under the lock).</summary>
    private void SendUdp(ReadOnlySpan<byte> innerPacket)
    {
        var datagram = new byte[RoomDatagram.HeaderSize + innerPacket.Length + _udpChannel!.Overhead];
        int payload = _udpChannel.Seal(innerPacket, datagram.AsSpan(RoomDatagram.HeaderSize));
        RoomDatagram.WriteHeader(_udpStreamId, RoomPacketType.Binary, 0, 0, payload, datagram);
        try
        {
            _udp!.Send(datagram);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Lost like any datagram (or the session is closing and the socket went first).
        }
    }

    private void SetState(RoomClientState state)
    {
        if (State == state || State is RoomClientState.Closed || (State == RoomClientState.WrongPassword && state != RoomClientState.Closed))
        {
            return;
        }

        State = state;
        if (state is RoomClientState.Authenticated or RoomClientState.WrongPassword or RoomClientState.Closed)
        {
            _settled.TrySetResult(state);
        }

        StateChanged?.Invoke(state);
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        _sendQueue.Writer.TryComplete();
        _passwordTimer?.Dispose();
        _udp?.Dispose();
        await _pipe.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        lock (_gate)
        {
            SetState(RoomClientState.Closed);
            DisposePeers();
            _stretchedPassword?.Dispose(); // under the lock: a late reader sees Closed and no longer uses it
        }

        _stream?.Dispose();
        _udpChannel?.Dispose();
    }
}
