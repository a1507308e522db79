using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Net;

/// <summary>
/// The appliance's ONE UDP socket (DESIGN.md "Wire"): the DHT, the session layer and media share it,
/// which is what lets a full-cone NAT binding opened by one serve all. The event loop polls the
/// socket and, when it is readable, reads the waiting datagrams into one buffer and hands each to
/// the <see cref="PacketDispatcher"/> on the spot: no thread of its own, no copy, one wake-up per
/// burst. Sends go straight to the socket. Dual-stack by default: IPv4 peers arrive as IPv4-mapped
/// IPv6 addresses.
/// </summary>
public sealed unsafe class UdpTransport : IDatagramSender, IDisposable
{
    /// <summary>Largest datagram we accept; anything longer is truncated by the kernel and dropped here.</summary>
    public const int MaxDatagram = 1500;

    /// <summary>Datagrams read per readable turn of the loop, so a flood cannot starve timers and
    /// posted work; what is left waits in the kernel's buffer (bounded, and dropped there when full).</summary>
    private const int DatagramsPerTurn = 32;

    private readonly Socket _socket;
    private readonly EventLoop _loop;
    private readonly PacketDispatcher _dispatcher;
    private readonly DropCounters _drops;
    private readonly SocketAddress _sendAddress;
    private readonly SocketAddress _from;
    private readonly object _sendGate = new();
    private readonly ReadableWork _readable;

    // One byte more than we accept, so an oversized datagram shows up as too long.
    private readonly byte[] _buffer = new byte[MaxDatagram + 1];
    private readonly int _fd;
    private IDisposable? _watch;
    private volatile bool _disposed;

    public UdpTransport(IPAddress? bind, int port, EventLoop loop, PacketDispatcher dispatcher, DropCounters drops)
    {
        _loop = loop;
        _dispatcher = dispatcher;
        _drops = drops;
        _socket = Open(bind, port);
        _sendAddress = new SocketAddress(_socket.AddressFamily);
        _from = new SocketAddress(_socket.AddressFamily);
        LocalPort = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _readable = new ReadableWork(this);
        _fd = (int)_socket.Handle;
    }

    public int LocalPort { get; }

    public long SendErrors { get; private set; }

    public long Received { get; private set; }

    /// <summary>Receive errors other than "nothing left" (ICMP errors for earlier sends, mostly).</summary>
    public long ReceiveErrors { get; private set; }

    /// <summary>Starts receiving: from now on the loop reads the socket whenever it is readable.</summary>
    public void Start() => _watch = _loop.WatchReadable(_fd, _readable);

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

    /// <summary>
    /// On the loop, when the socket is readable: reads up to <see cref="DatagramsPerTurn"/> datagrams
    /// without blocking and dispatches each. Allocation-free.
    /// </summary>
    private void ReceiveWaiting()
    {
        for (int i = 0; i < DatagramsPerTurn; i++)
        {
            nint length;
            int errno = 0;
            uint addressLength = (uint)_from.Buffer.Length;
            // Under the gate Dispose closes the socket in, so the descriptor is never read after
            // it was closed (and perhaps reused). Uncontended: sends come from the loop too.
            lock (_sendGate)
            {
                if (_disposed)
                {
                    return;
                }

                fixed (byte* buffer = _buffer)
                fixed (byte* address = _from.Buffer.Span)
                {
                    length = SocketNative.recvfrom(_fd, buffer, (nuint)_buffer.Length, SocketNative.MSG_DONTWAIT, address, &addressLength);
                }

                if (length < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                }
            }

            if (length < 0)
            {
                if (errno is SocketNative.EAGAIN or SocketNative.EINTR)
                {
                    return;
                }

                // ECONNREFUSED from an ICMP port-unreachable for an earlier send, or the like:
                // nothing about the next datagram.
                ReceiveErrors++;
                continue;
            }

            Received++;
            _from.Size = (int)Math.Min(addressLength, (uint)_from.Buffer.Length);
            if (length > MaxDatagram || !PeerEndpoint.TryRead(_from, out var peer))
            {
                _drops.Count(DropReason.Malformed);
                continue;
            }

            _dispatcher.Dispatch(_buffer.AsSpan(0, (int)length), peer);
        }
    }

    public void Dispose()
    {
        _watch?.Dispose();
        lock (_sendGate)
        {
            _disposed = true;
            _socket.Dispose();
        }
    }

    /// <summary>What the loop runs when the socket is readable; preallocated.</summary>
    private sealed class ReadableWork(UdpTransport owner) : ILoopWork
    {
        public void Execute() => owner.ReceiveWaiting();
    }
}
