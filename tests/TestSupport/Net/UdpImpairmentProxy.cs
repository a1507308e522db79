using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// A userspace stand-in for <c>tc netem</c> (not available here, DESIGN.md "Testing without the
/// hardware"): a UDP relay on loopback that impairs both directions of one conversation with
/// <see cref="LinkConditions"/> (loss random and Gilbert-Elliott bursty, delay, jitter, reordering,
/// duplication), decided by seeded <see cref="Random"/>s exactly as <see cref="InMemoryDatagramNetwork"/>
/// decides them.
/// <code>
///  client ──▶ Endpoint (front socket) ──[toTarget]──▶ back socket ──▶ target
///  client ◀── Endpoint (front socket) ◀─[fromTarget]── back socket ◀── target
/// </code>
/// The client is whoever sent to <see cref="Endpoint"/> last (one conversation at a time, as in a
/// call between two daemons: the caller dials the proxy's address). The target sees every packet
/// from the back socket's address. Each direction has its own random stream and burst state, so the
/// decisions of one direction do not depend on the traffic of the other; with packets arriving in
/// the same order, the same seed gives the same decisions.
/// </summary>
public sealed class UdpImpairmentProxy : IDisposable
{
    private readonly Socket _front;
    private readonly Socket _back;
    private readonly IPEndPoint _target;
    private readonly Direction _toTarget;
    private readonly Direction _fromTarget;
    private readonly PriorityQueue<Scheduled, (long Due, long Order)> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _frontThread;
    private readonly Thread _backThread;
    private readonly Thread _deliveryThread;
    private volatile EndPoint? _client;
    private long _order;
    private bool _disposed;

    public UdpImpairmentProxy(IPEndPoint target, LinkConditions toTarget, LinkConditions fromTarget, int seed)
    {
        ArgumentNullException.ThrowIfNull(target);
        toTarget.Validate();
        fromTarget.Validate();
        _target = target;
        _toTarget = new Direction(toTarget, new Random(seed));
        _fromTarget = new Direction(fromTarget, new Random(unchecked(seed * 31 + 17)));
        _front = Bind();
        _back = Bind();
        Endpoint = (IPEndPoint)_front.LocalEndPoint!;
        _frontThread = new Thread(() => Receive(_front, _toTarget, fromFront: true)) { Name = "impairment front", IsBackground = true };
        _backThread = new Thread(() => Receive(_back, _fromTarget, fromFront: false)) { Name = "impairment back", IsBackground = true };
        _deliveryThread = new Thread(Deliver) { Name = "impairment delivery", IsBackground = true };
        _frontThread.Start();
        _backThread.Start();
        _deliveryThread.Start();
    }

    /// <summary>Where the client sends (and hears replies from): 127.0.0.1 and a free port.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Counters of the client-to-target direction.</summary>
    public ImpairmentCounters ToTarget
    {
        get
        {
            lock (_gate)
            {
                return _toTarget.Snapshot();
            }
        }
    }

    /// <summary>Counters of the target-to-client direction.</summary>
    public ImpairmentCounters FromTarget
    {
        get
        {
            lock (_gate)
            {
                return _fromTarget.Snapshot();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_gate);
        }

        _front.Dispose();
        _back.Dispose();
        _frontThread.Join();
        _backThread.Join();
        _deliveryThread.Join();
    }

    private static Socket Bind()
    {
        // A large receive buffer: a burst held by the kernel must not be lost before the proxy decides.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private void Receive(Socket socket, Direction direction, bool fromFront)
    {
        var buffer = new byte[65_535];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref any);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // an ICMP port unreachable from an earlier send; not this socket's end
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // disposed
            }

            if (fromFront)
            {
                _client = any;
            }

            EndPoint? to = fromFront ? _target : _client;
            if (to is null)
            {
                continue; // the target spoke before any client did: nobody to forward to
            }

            Socket via = fromFront ? _back : _front;
            var data = buffer.AsSpan(0, length).ToArray();
            lock (_gate)
            {
                direction.Received++;
                if (direction.Conditions.DrawLoss(direction.Random, ref direction.BurstBad))
                {
                    direction.Lost++;
                    continue;
                }

                Schedule(direction, via, to, data);
                if (direction.Conditions.DrawDuplicate(direction.Random))
                {
                    direction.Duplicated++;
                    Schedule(direction, via, to, data);
                }

                Monitor.PulseAll(_gate);
            }
        }
    }

    private void Schedule(Direction direction, Socket via, EndPoint to, byte[] data)
    {
        long delay = direction.Conditions.DrawDelayTicks(direction.Random, out bool heldBack);
        if (heldBack)
        {
            direction.HeldBack++;
        }

        long due = Stopwatch.GetTimestamp() + delay * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        _queue.Enqueue(new Scheduled(direction, via, to, data), (due, _order++));
    }

    private void Deliver()
    {
        while (true)
        {
            Scheduled next;
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    if (_queue.TryPeek(out _, out var key))
                    {
                        long wait = key.Due - Stopwatch.GetTimestamp();
                        if (wait <= 0)
                        {
                            next = _queue.Dequeue();
                            break;
                        }

                        // Whole milliseconds, rounded up: a packet leaves at most 1 ms late, never early.
                        Monitor.Wait(_gate, (int)Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency));
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                    }
                }
            }

            try
            {
                next.Via.SendTo(next.Data, next.To);
                lock (_gate)
                {
                    next.Direction.Delivered++;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Disposed meanwhile, or the far end is gone: a real network drops it too.
            }
        }
    }

    private sealed record Scheduled(Direction Direction, Socket Via, EndPoint To, byte[] Data);

    /// <summary>One direction's conditions, random stream, burst state and counters (guarded by the proxy's lock).</summary>
    private sealed class Direction(LinkConditions conditions, Random random)
    {
        public readonly LinkConditions Conditions = conditions;
        public readonly Random Random = random;
        public bool BurstBad;
        public long Received;
        public long Lost;
        public long Duplicated;
        public long HeldBack;
        public long Delivered;

        public ImpairmentCounters Snapshot() => new(Received, Lost, Duplicated, HeldBack, Delivered);
    }
}

/// <summary>
/// What one direction of a <see cref="UdpImpairmentProxy"/> did: packets received, lost, sent twice,
/// held back to be overtaken (reordering), and sent on (copies included).
/// </summary>
public readonly record struct ImpairmentCounters(long Received, long Lost, long Duplicated, long HeldBack, long Delivered);
