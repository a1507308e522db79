using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>One datagram as the test network saw it.</summary>
internal sealed record Datagram(byte[] Data, PeerEndpoint From, PeerEndpoint To)
{
    public PacketType Type => (PacketType)Data[0];
}

/// <summary>
/// An in-memory datagram network for session tests: senders queue datagrams, <see cref="Pump"/>
/// delivers them in order (so handlers never re-enter each other), every datagram is logged, and a
/// filter can drop any of them (loss, partitions).
/// </summary>
internal sealed class TestNetwork
{
    private readonly Queue<Datagram> _queue = new();
    private readonly Dictionary<PeerEndpoint, IDatagramHandler> _nodes = new();

    public List<Datagram> Log { get; } = new();

    /// <summary>When set, senders drop everything without logging or allocating (allocation and fuzz tests).</summary>
    public bool Muted { get; set; }

    /// <summary>Return true to lose the datagram.</summary>
    public Func<Datagram, bool>? Drop { get; set; }

    public long MutedCount { get; private set; }

    public void Attach(PeerEndpoint endpoint, IDatagramHandler handler) => _nodes[endpoint] = handler;

    public IDatagramSender SenderFor(PeerEndpoint from) => new Sender(this, from);

    public int Pump(int limit = 100_000)
    {
        int delivered = 0;
        while (_queue.TryDequeue(out var datagram) && delivered < limit)
        {
            if (_nodes.TryGetValue(datagram.To, out var node))
            {
                delivered++;
                node.Handle(datagram.Data, datagram.From);
            }
        }

        return delivered;
    }

    /// <summary>Delivers a datagram directly, as an attacker on the path would.</summary>
    public void Inject(byte[] data, PeerEndpoint from, PeerEndpoint to) => _nodes[to].Handle(data, from);

    public IEnumerable<Datagram> Sent(PeerEndpoint from, PacketType type) =>
        Log.Where(d => d.From == from && d.Type == type);

    private sealed class Sender(TestNetwork network, PeerEndpoint from) : IDatagramSender
    {
        public void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to)
        {
            if (network.Muted)
            {
                network.MutedCount++;
                return;
            }

            var d = new Datagram(datagram.ToArray(), from, to);
            network.Log.Add(d);
            if (network.Drop?.Invoke(d) != true)
            {
                network._queue.Enqueue(d);
            }
        }
    }
}
