using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>Where the room server listens. Port 0 takes any free port.</summary>
public sealed record RoomServerPorts(int Tcp, int Udp, int WebSocket)
{
    /// <summary>PICOTALK.md "Constants": TCP 9999, UDP 9999, WebSocket 9998.</summary>
    public static readonly RoomServerPorts Default = new(9999, 9999, 9998);
}

/// <summary>What the room server counted (read at any time; approximate while it runs).</summary>
public sealed class RoomServerCounters
{
    public long Connections;
    public long Refused;
    public long Dropped;
    public long RateLimited;
    public long BadDatagrams;
}

/// <summary>
/// A PicoTalk v0.0.20 room server (PICOTALK.md; issue 7) over TCP, UDP and WebSocket. It routes
/// packets within a room and mixes audio it cannot decrypt: members' audio is encrypted with their
/// own keys, their chat and keys travel in peer-to-peer channels it cannot open.
/// </summary>
/// <remarks>
/// Threads: accept and read loops are async; one lock (<c>_gate</c>) owns every room, membership,
/// mixer and UDP stream, so handlers and the 32 ms mixer ticks never race. Sealing for a stream
/// happens on that connection's writer, in queue order; UDP datagrams are sealed and sent under the
/// lock. Bounds are in <see cref="RoomServerLimits"/>.
/// </remarks>
public sealed partial class RoomServer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly X25519KeyPair _identity;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly TcpListener _tcp;
    private readonly TcpListener _ws;
    private readonly Socket _udp;

    /// <summary>The UDP socket's receive buffer as the kernel granted it (socket(7): twice what was asked).</summary>
    internal int UdpReceiveBufferSize => _udp.ReceiveBufferSize;

    /// <summary>Every UDP send's datagram (under <c>_gate</c>): header, the sealed inner packet.</summary>
    private readonly byte[] _udpSendBuffer = new byte[RoomDatagram.HeaderSize + RoomPacket.MaxPacketSize + Sodium.MacSize + SecureChannel.CounterSize];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, ServerRoom> _rooms = [];
    private readonly Dictionary<uint, ServerRoomConnection> _streams = [];
    private readonly HashSet<ServerRoomConnection> _connections = [];
    private readonly List<Task> _tasks = [];

    /// <param name="identity">The persistent identity key; the caller keeps ownership.</param>
    public RoomServer(IPAddress bind, RoomServerPorts ports, X25519KeyPair identity, TimeProvider time, Action<string> log)
    {
        _identity = identity;
        _time = time;
        _log = log;
        _tcp = new TcpListener(bind, ports.Tcp);
        _ws = new TcpListener(bind, ports.WebSocket);
        _udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // Every member answers each 32 ms mix within about a millisecond, so a full room's frames
        // arrive as one burst: 128 members are about 140 KB, over half of Linux's default receive
        // buffer (rmem_default, 208 KB), and `./build.sh bench rooms` lost 16 % of their frames to it.
        // 1 MB is within the default rmem_max (no privilege needed); the kernel doubles it for its
        // bookkeeping (socket(7) SO_RCVBUF).
        _udp.ReceiveBufferSize = RoomServerLimits.UdpReceiveBufferBytes;
        if (bind.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _tcp.Server.DualMode = true;
            _ws.Server.DualMode = true;
            _udp.DualMode = true;
        }

        _udp.Bind(new IPEndPoint(bind, ports.Udp));
        Fingerprint = RoomServerIdentity.Fingerprint(identity.PublicKey);
    }

    public int TcpPort => ((IPEndPoint)_tcp.LocalEndpoint).Port;

    public int UdpPort => ((IPEndPoint)_udp.LocalEndPoint!).Port;

    public int WebSocketPort => ((IPEndPoint)_ws.LocalEndpoint).Port;

    /// <summary>First 16 hex of SHA-256 of the identity public key (for logs and pinning by eye).</summary>
    public string Fingerprint { get; }

    public ReadOnlySpan<byte> IdentityPublicKey => _identity.PublicKey;

    public RoomServerCounters Counters { get; } = new();

    /// <summary>
    /// Test hook: sees every byte the server reads from a socket and every inner packet it decrypts,
    /// so a test can check the server never holds members' plaintext. Set before <see cref="Start"/>.
    /// </summary>
    internal Action<ReadOnlySpan<byte>>? ReceivedTap { get; set; }

    /// <summary>Rooms open now.</summary>
    public int RoomCount
    {
        get
        {
            lock (_gate)
            {
                return _rooms.Count;
            }
        }
    }

    public void Start()
    {
        _tcp.Start();
        _ws.Start();
        _tasks.Add(AcceptLoopAsync(_tcp, webSocket: false));
        _tasks.Add(AcceptLoopAsync(_ws, webSocket: true));
        _tasks.Add(UdpLoopAsync());
    }

    private async Task AcceptLoopAsync(TcpListener listener, bool webSocket)
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            client.NoDelay = true;
            Interlocked.Increment(ref Counters.Connections);
            _ = ServeAsync(client, webSocket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _tcp.Stop();
        _ws.Stop();
        _udp.Dispose();
        ServerRoomConnection[] open;
        lock (_gate)
        {
            open = [.. _connections];
            foreach (var room in _rooms.Values)
            {
                room.Ticker?.Dispose();
            }
        }

        foreach (var connection in open)
        {
            connection.Closing.Cancel();
        }

        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log("rooms: listeners did not stop within 2 s");
        }
    }
}
