namespace PicoTalk.Protocol.Wire;

/// <summary>
/// Routes each datagram to the handler registered for its first byte (<see cref="PacketType"/>),
/// and counts what it drops. One table of 256 slots, so dispatch is an index, not a lookup.
/// Not thread-safe: the daemon calls it from its one event loop.
/// </summary>
public sealed class PacketDispatcher
{
    private readonly IDatagramHandler?[] _handlers = new IDatagramHandler?[256];
    private readonly DropCounters _drops;

    public PacketDispatcher(DropCounters drops)
    {
        _drops = drops;
    }

    public void Register(PacketType type, IDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_handlers[(byte)type] is not null)
        {
            throw new InvalidOperationException($"packet type {type} (0x{(byte)type:x2}) already has a handler");
        }

        _handlers[(byte)type] = handler;
    }

    /// <summary>Hands the datagram to its handler; drops and counts empty or unknown ones. Never throws.</summary>
    public void Dispatch(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (datagram.IsEmpty || _handlers[datagram[0]] is not { } handler)
        {
            _drops.Count(DropReason.UnknownType);
            return;
        }

        handler.Handle(datagram, from);
    }
}

/// <summary>
/// Counters of dropped datagrams by reason, shared by every layer on the socket. Interlocked, so
/// the control socket may read them from another thread.
/// </summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<DropReason>().Length];

    public void Count(DropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long this[DropReason reason] => Interlocked.Read(ref _counts[(int)reason]);

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                total += Interlocked.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>A copy of every counter by name, for status reports.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var result = new Dictionary<string, long>();
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            result[reason.ToString()] = this[reason];
        }

        return result;
    }
}
