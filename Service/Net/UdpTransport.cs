using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Net;

/// <summary>
/// The appliance's ONE UDP socket (DESIGN.md "Wire"): the DHT, the session layer and media share it,
/// which is what lets a full-cone NAT binding opened by one serve all. A receive thread copies each
/// datagram into a preallocated buffer and posts it to the event loop, where the
/// <see cref="PacketDispatcher"/> hands it to its handler. Sends go straight to the socket.
/// Dual-stack by default: IPv4 peers arrive as IPv4-mapped IPv6 addresses.
/// </summary>
public sealed class UdpTransport : IDatagramSender, IDisposable
{
    /// <summary>Largest datagram we accept; anything longer is truncated by the kernel and dropped here.</summary>
    public const int MaxDatagram = 1500;

    /// <summary>Datagrams waiting for the loop; past this the receive thread drops (bounded memory).</summary>
    private const int PoolSize = 512;

    private readonly Socket _socket;
    private readonly EventLoop _loop;
    private readonly PacketDispatcher _dispatcher;
    private readonly DropCounters _drops;
    private readonly Stack<DatagramWork> _pool = new(PoolSize);
    private readonly SocketAddress _sendAddress;
    private readonly object _sendGate = new();
    private readonly Thread _receiveThread;
    private volatile bool _disposed;

    public UdpTransport(IPAddress? bind, int port, EventLoop loop, PacketDispatcher dispatcher, DropCounters drops)
    {
        _loop = loop;
        _dispatcher = dispatcher;
        _drops = drops;
        _socket = Open(bind, port);
        // A blocking receive is not reliably woken by closing the socket on every kernel: wake
        // up twice a second to notice disposal.
        _socket.ReceiveTimeout = 500;
        _sendAddress = new SocketAddress(_socket.AddressFamily);
        LocalPort = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        for (int i = 0; i < PoolSize; i++)
        {
            _pool.Push(new DatagramWork(this));
        }

        _receiveThread = new Thread(ReceiveLoop) { Name = "picotalk-udp", IsBackground = true };
    }

    public int LocalPort { get; }

    public long SendErrors { get; private set; }

    public long Received { get; private set; }

    public void Start() => _receiveThread.Start();

    private static Socket Open(IPAddress? bind, int port)
    {
        if (bind is null || bind.Equals(IPAddress.IPv6Any))
        {
            try
            {
                var dual = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
                dual.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
                return dual;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
            {
                // A kernel booted with ipv6.disable=1: fall back to IPv4 only.
                bind = IPAddress.Any;
            }
        }

        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(bind, port));
        return socket;
    }

    /// <summary>Sends one datagram. Never throws for network errors: UDP may lose any packet, and the
    /// layers above retransmit or conceal. Allocation-free.</summary>
    public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
    {
        if (_disposed)
        {
            return;
        }

        lock (_sendGate)
        {
            if (!to.TryWriteTo(_sendAddress))
            {
                SendErrors++;
                return;
            }

            try
            {
                _socket.SendTo(datagram, SocketFlags.None, _sendAddress);
            }
            catch (SocketException)
            {
                SendErrors++;
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void ReceiveLoop()
    {
        var from = new SocketAddress(_socket.AddressFamily);
        Span<byte> discard = stackalloc byte[64];
        DatagramWork? work = null;
        while (!_disposed)
        {
            work ??= Rent();
            if (work is null)
            {
                // The loop is far behind: take the datagram off the socket and drop it, counted.
                if (TryReceive(discard, from) >= 0)
                {
                    _drops.Count(DropReason.RateLimited);
                }

                continue;
            }

            int length = TryReceive(work.Buffer, from);
            if (length < 0)
            {
                continue;
            }

            Received++;
            if (length > MaxDatagram || !PeerEndpoint.TryRead(from, out var peer))
            {
                _drops.Count(DropReason.Malformed);
                continue;
            }

            work.Length = length;
            work.From = peer;
            if (_loop.TryPost(work))
            {
                work = null;
            }
            else
            {
                _drops.Count(DropReason.RateLimited);
            }
        }
    }

    /// <returns>The datagram's length, or -1 when nothing usable was received.</returns>
    private int TryReceive(Span<byte> buffer, SocketAddress from)
    {
        try
        {
            return _socket.ReceiveFrom(buffer, SocketFlags.None, from);
        }
        catch (SocketException)
        {
            // ECONNREFUSED from an ICMP port-unreachable for an earlier send, or a message larger
            // than the buffer: neither says anything about the next datagram.
            return -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }

    private DatagramWork? Rent()
    {
        lock (_pool)
        {
            return _pool.Count > 0 ? _pool.Pop() : null;
        }
    }

    private void Return(DatagramWork work)
    {
        lock (_pool)
        {
            _pool.Push(work);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
        if (_receiveThread.IsAlive)
        {
            _receiveThread.Join(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>A pooled datagram on its way to the loop.</summary>
    private sealed class DatagramWork(UdpTransport owner) : ILoopWork
    {
        // One byte more than we accept, so an oversized datagram shows up as too long.
        public readonly byte[] Buffer = new byte[MaxDatagram + 1];
        public int Length;
        public PeerEndpoint From;

        public void Execute()
        {
            try
            {
                owner._dispatcher.Dispatch(Buffer.AsSpan(0, Length), From);
            }
            finally
            {
                owner.Return(this);
            }
        }
    }
}
