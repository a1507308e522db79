using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Service.Calls;

/// <summary>
/// Finds where an appliance with a given ID can be reached (the routing layer: a DHT lookup of the
/// ID, which every appliance announces as an info-hash), and gets through its NAT (issue 3 "NAT").
/// Callbacks run on the event loop.
/// </summary>
public interface IPeerResolver
{
    /// <summary>The candidate endpoints, best first (none: not found), and the nodes that can relay a punch.</summary>
    void Resolve(NodeId id, Action<PeerResolution> done);

    /// <summary>Asks <paramref name="relay"/> to make <paramref name="callee"/> send to us first (a hole punch).</summary>
    void RequestPunch(NodeId callee, PunchRelay relay, Action<PunchResult> done);

    /// <summary>Our own NAT's mapping behaviour, as far as we know it.</summary>
    NatMapping LocalNat { get; }
}

/// <summary>Where a dialed ID was found: its endpoints, and the nodes that hold its announce (punch relays).</summary>
public sealed record PeerResolution(IReadOnlyList<PeerEndpoint> Endpoints, IReadOnlyList<PunchRelay> Relays)
{
    public static PeerResolution At(params PeerEndpoint[] endpoints) => new(endpoints, []);
}

/// <summary>A node that holds a callee's announce and can ask it to punch toward us.</summary>
public readonly record struct PunchRelay(NodeId Id, PeerEndpoint Endpoint);

/// <summary>
/// The endpoints at which peers were last seen, so that calling someone again starts at once
/// instead of after a lookup (issue 3: "recently seen endpoints of contacts are cached"). Bounded:
/// the least recently used entry goes when it is full. Loop-owned, not thread-safe.
/// </summary>
public sealed class EndpointCache
{
    private readonly int _capacity;
    private readonly Dictionary<NodeId, LinkedListNode<(NodeId Id, PeerEndpoint Endpoint)>> _map = new();
    private readonly LinkedList<(NodeId Id, PeerEndpoint Endpoint)> _order = new();

    public EndpointCache(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _map.Count;

    public void Remember(NodeId id, PeerEndpoint endpoint)
    {
        if (id.IsZero)
        {
            return;
        }

        if (_map.TryGetValue(id, out var node))
        {
            _order.Remove(node);
        }
        else if (_map.Count >= _capacity)
        {
            var oldest = _order.Last!;
            _order.RemoveLast();
            _map.Remove(oldest.Value.Id);
        }

        _map[id] = _order.AddFirst((id, endpoint));
    }

    public bool TryGet(NodeId id, out PeerEndpoint endpoint)
    {
        if (_map.TryGetValue(id, out var node))
        {
            endpoint = node.Value.Endpoint;
            return true;
        }

        endpoint = default;
        return false;
    }

    public void Forget(NodeId id)
    {
        if (_map.Remove(id, out var node))
        {
            _order.Remove(node);
        }
    }
}
