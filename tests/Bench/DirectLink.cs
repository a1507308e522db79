using PicoTalk.Protocol.Wire;

namespace PicoTalk.Bench;

/// <summary>
/// Two endpoints wired back to back with no loss: each send is copied into a preallocated slot and
/// delivered by <see cref="Pump"/>. The copy is into a reused buffer, so the link itself allocates
/// nothing and the allocation counts below belong to the code under test.
/// </summary>
internal sealed class DirectLink
{
    private readonly Queue<(byte[] Buffer, int Length, PeerEndpoint From, PeerEndpoint To)> _queue = new(64);
    private readonly Stack<byte[]> _free = new();
    private readonly Dictionary<PeerEndpoint, IDatagramHandler> _handlers = new();

    public DirectLink()
    {
        for (int i = 0; i < 64; i++)
        {
            _free.Push(new byte[2048]);
        }
    }

    public long Datagrams { get; private set; }

    public long Bytes { get; private set; }

    public IDatagramSender Attach(PeerEndpoint address, IDatagramHandler handler)
    {
        _handlers[address] = handler;
        return new Sender(this, address);
    }

    /// <summary>The last datagram sent, kept for replaying it into the receiver.</summary>
    public byte[] Last { get; } = new byte[2048];

    public int LastLength { get; private set; }

    public bool Hold { get; set; }

    public int Pump()
    {
        int n = 0;
        while (_queue.Count > 0)
        {
            var (buffer, length, from, to) = _queue.Dequeue();
            if (_handlers.TryGetValue(to, out var handler))
            {
                handler.Handle(buffer.AsSpan(0, length), from);
            }

            _free.Push(buffer);
            n++;
        }

        return n;
    }

    private sealed class Sender(DirectLink link, PeerEndpoint self) : IDatagramSender
    {
        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
            link.Datagrams++;
            link.Bytes += datagram.Length;
            datagram.CopyTo(link.Last);
            link.LastLength = datagram.Length;
            if (link.Hold)
            {
                return;
            }

            var buffer = link._free.Pop();
            datagram.CopyTo(buffer);
            link._queue.Enqueue((buffer, datagram.Length, self, to));
        }
    }
}
