using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Dht;

/// <summary>
/// One node's real UDP socket in a <see cref="LoopbackSwarm"/>: an IPv4 socket on a loopback
/// address, read with one receive always outstanding and handed to the <see cref="LoopbackLoop"/>,
/// which delivers the datagram to the node and re-arms the receive. Sends go straight to the socket
/// from the loop thread.
/// </summary>
/// <remarks>
/// Allocation-free per datagram: the receive is .NET 8's
/// <see cref="Socket.ReceiveFromAsync(Memory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>,
/// which fills a <see cref="SocketAddress"/> we own instead of creating an <see cref="IPEndPoint"/>
/// and completes through the socket's cached awaitable; its completion is observed with one
/// preallocated continuation, and the buffer is handed to the node without a copy (the node copies
/// it into its own buffer, <c>DhtNode.Handle</c>). The socket is non-blocking, so a full send buffer
/// drops the datagram (counted) and never stalls the loop that also drains every receiver.
/// </remarks>
internal sealed class LoopbackSocket : IDatagramSender, IDisposable
{
    /// <summary>One byte more than a KRPC message may have, so an oversized datagram is seen whole enough to be dropped by the node.</summary>
    private const int BufferSize = KrpcCodec.MaxMessageSize + 1;

    private readonly Socket _socket;
    private readonly LoopbackLoop _loop;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly SocketAddress _from = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _to = new(AddressFamily.InterNetwork);
    private readonly Action _onCompleted;
    private IDatagramHandler? _handler;
    private ValueTask<int> _pending;
    private volatile bool _closed;

    public LoopbackSocket(IPAddress address, LoopbackLoop loop)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"{address} is not an IPv4 loopback address; a loopback swarm touches nothing else", nameof(address));
        }

        _loop = loop;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        try
        {
            _socket.Bind(new IPEndPoint(address, 0));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        Endpoint = PeerEndpoint.FromIPEndPoint((IPEndPoint)_socket.LocalEndPoint!);
        _onCompleted = () => _loop.OnReceived(this);
    }

    /// <summary>The loopback address and the port the kernel gave.</summary>
    public PeerEndpoint Endpoint { get; }

    public long Received { get; private set; }

    public long Sent { get; private set; }

    /// <summary>Datagrams not sent: a non-IPv4 destination, a full socket buffer, or another socket error.</summary>
    public long SendErrors { get; private set; }

    /// <summary>Receives that failed (an ICMP error reported on the socket) or came from a non-IPv4 address.</summary>
    public long ReceiveErrors { get; private set; }

    /// <summary>Starts receiving into <paramref name="handler"/>. On the loop thread.</summary>
    public void Start(IDatagramHandler handler)
    {
        _loop.AssertOnLoop();
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        Arm();
    }

    /// <summary>Sends one datagram from the loop thread; never throws for network errors (UDP may lose any datagram).</summary>
    public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
    {
        if (_closed)
        {
            return;
        }

        if (!to.TryWriteTo(_to))
        {
            SendErrors++;
            return;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, _to);
            Sent++;
        }
        catch (SocketException)
        {
            SendErrors++;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The loop's half of a receive: hands the datagram to the node, then receives again.</summary>
    public void Deliver()
    {
        int length;
        try
        {
            length = _pending.GetAwaiter().GetResult();
        }
        catch (Exception e) when (_closed && e is SocketException or ObjectDisposedException)
        {
            return;
        }
        catch (SocketException)
        {
            // An ICMP error queued on the socket for an earlier send: says nothing of the next datagram.
            ReceiveErrors++;
            Arm();
            return;
        }
        finally
        {
            _pending = default;
        }

        if (PeerEndpoint.TryRead(_from, out var from))
        {
            Received++;
            _handler!.Handle(_buffer.AsSpan(0, length), from);
        }
        else
        {
            ReceiveErrors++;
        }

        Arm();
    }

    private void Arm()
    {
        if (_closed)
        {
            return;
        }

        try
        {
            _pending = _socket.ReceiveFromAsync(_buffer, SocketFlags.None, _from);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (_pending.IsCompleted)
        {
            // A datagram was waiting: delivered in its turn, after the others the loop holds.
            _loop.OnReceivedOnLoop(this);
        }
        else
        {
            ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = _pending.ConfigureAwait(false).GetAwaiter();
            awaiter.UnsafeOnCompleted(_onCompleted);
        }
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }
}
