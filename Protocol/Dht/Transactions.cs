using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>Why we sent a query: decides who hears of its response or timeout.</summary>
internal enum QueryPurpose : byte
{
    /// <summary>A ping the routing table asked for, or of a candidate from LAN discovery.</summary>
    Ping,

    /// <summary>find_node(own ID) to a bootstrap node.</summary>
    Bootstrap,

    /// <summary>A step of an <see cref="IterativeLookup"/>.</summary>
    Lookup,

    /// <summary>announce_peer after a get_peers lookup.</summary>
    Announce,

    /// <summary>announce_peer of an info-hash other than our ID (DhtNode.InfoHashes.cs): its storers are no punch relays.</summary>
    AnnounceInfoHash,

    /// <summary>Our pt_punch, as a caller or as a relay (DhtNode.Punch.cs).</summary>
    Punch,

    /// <summary>A ping that holds our NAT mapping toward a node that stores our announce (DhtNode.Punch.cs).</summary>
    Keepalive,
}

/// <summary>One outstanding query (BEP 5 "KRPC Protocol": the "t" we chose, echoed by the reply).</summary>
internal sealed class Transaction
{
    public ushort Id;

    /// <summary>Bumped at each reuse from the pool, so a stale deadline-queue entry is recognised.</summary>
    public int Generation;
    public PeerEndpoint To;
    public bool HasExpectedId;
    public NodeId ExpectedId;
    public KrpcMethod Method;
    public QueryPurpose Purpose;
    public long SentAt;
    public long Deadline;
    public IterativeLookup? Lookup;
    public LookupCandidate? Candidate;

    public void Clear()
    {
        Lookup = null;
        Candidate = null;
        HasExpectedId = false;
        ExpectedId = default;
    }
}

/// <summary>
/// The outstanding queries: 2-byte transaction IDs from a counter that starts at a random value
/// (so replies to a previous run of the daemon, or guesses, rarely match), in a bounded table.
/// Every query has the same timeout, so send order is deadline order and one FIFO queue finds the
/// expired ones without a scan. Transaction objects are pooled: a lookup-heavy node reuses them.
/// </summary>
internal sealed class TransactionTable
{
    /// <summary>Bytes of the transaction IDs we send (BEP 5 only asks for "a short string").</summary>
    public const int IdSize = 2;

    /// <summary>Transactions kept for reuse: a lookup's worth; a burst beyond that is left to the GC
    /// rather than held for the node's life (a simulation runs 100,000 nodes).</summary>
    private const int MaxPooled = 16;

    /// <summary>Room for the few queries a node has out at rest; the tables grow with use.</summary>
    private const int InitialCapacity = 8;

    private readonly Dictionary<ushort, Transaction> _byId;
    private readonly Queue<(Transaction T, int Generation)> _byDeadline = new();
    private readonly Stack<Transaction> _pool = new();
    private readonly int _capacity;
    private ushort _next;

    public TransactionTable(int capacity, Random? random = null)
    {
        _capacity = capacity;
        // Grows with use: most nodes have a handful of queries out, and a simulation holds 100,000.
        _byId = new Dictionary<ushort, Transaction>(Math.Min(capacity, InitialCapacity));
        _next = (ushort)(random ?? Random.Shared).Next(ushort.MaxValue + 1);
    }

    public int Count => _byId.Count;

    public bool IsFull => _byId.Count >= _capacity;

    /// <summary>A fresh transaction with an unused ID, already in the table; null when the table is full.</summary>
    public Transaction? Open(PeerEndpoint to, KrpcMethod method, QueryPurpose purpose, long now, long deadline)
    {
        if (IsFull)
        {
            return null;
        }

        // At most capacity IDs are in use, so an unused one turns up within capacity + 1 tries.
        while (_byId.ContainsKey(_next))
        {
            _next++;
        }

        var t = _pool.Count > 0 ? _pool.Pop() : new Transaction();
        t.Id = _next++;
        t.Generation++;
        t.To = to;
        t.Method = method;
        t.Purpose = purpose;
        t.SentAt = now;
        t.Deadline = deadline;
        _byId.Add(t.Id, t);
        _byDeadline.Enqueue((t, t.Generation));
        return t;
    }

    /// <summary>Removes and returns the transaction a reply matches: same 2-byte ID and sent to <paramref name="from"/>.</summary>
    public Transaction? Match(ReadOnlySpan<byte> transactionId, PeerEndpoint from)
    {
        if (transactionId.Length != IdSize)
        {
            return null;
        }

        ushort id = (ushort)((transactionId[0] << 8) | transactionId[1]);
        if (!_byId.TryGetValue(id, out var t) || t.To != from)
        {
            return null;
        }

        _byId.Remove(id);
        return t;
    }

    /// <summary>The next transaction past its deadline, removed from the table; null when none is.</summary>
    public Transaction? TakeExpired(long now)
    {
        while (_byDeadline.TryPeek(out var head))
        {
            var t = head.T;
            if (t.Generation != head.Generation || !_byId.TryGetValue(t.Id, out var current) || !ReferenceEquals(current, t))
            {
                // Answered already (and maybe reused under another ID): skip the stale queue entry.
                _byDeadline.Dequeue();
                continue;
            }

            if (t.Deadline > now)
            {
                return null;
            }

            _byDeadline.Dequeue();
            _byId.Remove(t.Id);
            return t;
        }

        return null;
    }

    /// <summary>
    /// With nothing outstanding, gives back what a burst of queries grew (a join opens hundreds;
    /// afterwards a node has a few out at a time): every deadline-queue entry is stale then.
    /// </summary>
    public void TrimWhenIdle()
    {
        if (_byId.Count > 0 || _byDeadline.Capacity <= InitialCapacity)
        {
            return;
        }

        _byDeadline.Clear();
        _byDeadline.TrimExcess();
        _byId.TrimExcess(InitialCapacity);
    }

    /// <summary>Gives a finished transaction back to the pool (only once it is out of the table and its queue entry is stale).</summary>
    public void Release(Transaction t)
    {
        t.Clear();
        // A released object may still sit in the deadline queue: its generation there is stale.
        if (_pool.Count < MaxPooled)
        {
            _pool.Push(t);
        }
    }

    public static void WriteId(ushort id, Span<byte> destination)
    {
        destination[0] = (byte)(id >> 8);
        destination[1] = (byte)id;
    }
}
