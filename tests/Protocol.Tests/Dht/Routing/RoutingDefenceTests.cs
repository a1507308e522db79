using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>Endpoint hijack, one entry per endpoint, per-address limit (Sybil resistance) and our own ID.</summary>
public sealed class RoutingDefenceTests
{
    private readonly Random _random = new(41);
    private readonly FakeTimeProvider _time = new(41);
    private readonly NodeId _own;
    private readonly RoutingTable _table;

    public RoutingDefenceTests()
    {
        _own = RandomId(_random);
        _table = new RoutingTable(_own, _time);
    }

    [Fact]
    public void An_unverified_message_cannot_move_a_known_id_to_another_endpoint()
    {
        var id = RandomId(_random);
        _table.Observe(id, Endpoint(1), ObservationKind.ResponseReceived);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(_table.TryGet(id, out var entry));
        long seen = entry.LastSeen;

        Assert.Equal(ObserveResult.RefusedEndpointConflict, _table.Observe(id, Endpoint(666), ObservationKind.QueryReceived));
        Assert.Equal(Endpoint(1), entry.Endpoint);
        Assert.Equal(seen, entry.LastSeen);
        Assert.Equal(1, _table.GetStatistics().EndpointConflictsRefused);

        // A response from the new endpoint (it answered our transaction) does move it.
        Assert.Equal(ObserveResult.Updated, _table.Observe(id, Endpoint(2), ObservationKind.ResponseReceived));
        Assert.Equal(Endpoint(2), entry.Endpoint);
        Assert.Equal(ObserveResult.Added, _table.Observe(RandomId(_random), Endpoint(1), ObservationKind.QueryReceived));
    }

    [Fact]
    public void One_entry_per_endpoint_and_only_a_response_replaces_the_id_there()
    {
        var first = RandomId(_random);
        _table.Observe(first, Endpoint(5), ObservationKind.ResponseReceived);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(ObserveResult.RefusedEndpointConflict,
                _table.Observe(RandomId(_random), Endpoint(5), ObservationKind.QueryReceived));
        }

        Assert.Equal(1, _table.Count);
        var second = RandomId(_random);
        Assert.Equal(ObserveResult.Added, _table.Observe(second, Endpoint(5), ObservationKind.ResponseReceived));
        Assert.False(_table.TryGet(first, out _));
        Assert.True(_table.TryGet(second, out _));
        Assert.Equal(1, _table.Count);
    }

    [Fact]
    public void At_most_two_entries_per_address_per_bucket()
    {
        // Three IDs in the far bucket from one address, different ports.
        var far = Enumerable.Range(0, 3).Select(_ => WithSharedPrefix(_own, 0, _random)).ToList();
        Assert.Equal(ObserveResult.Added, _table.Observe(far[0], SameAddress(9, 1000), ObservationKind.ResponseReceived));
        Assert.Equal(ObserveResult.Added, _table.Observe(far[1], SameAddress(9, 1001), ObservationKind.ResponseReceived));
        Assert.Equal(ObserveResult.RefusedAddressLimit, _table.Observe(far[2], SameAddress(9, 1002), ObservationKind.ResponseReceived));
        Assert.False(_table.TryGet(far[2], out _));
        Assert.Equal(1, _table.GetStatistics().AddressLimitRefused);

        // A thousand IDs from one address cannot fill the table either.
        for (int i = 0; i < 1000; i++)
        {
            _table.Observe(RandomId(_random), SameAddress(9, (ushort)(2000 + i)), ObservationKind.ResponseReceived);
        }

        foreach (var bucket in _table.GetBuckets())
        {
            int fromAddress = _table.Entries.Count(e =>
                NodeIdBits.HasPrefix(e.Id, bucket.Prefix, bucket.PrefixLength) && e.Endpoint.Port >= 1000);
            Assert.InRange(fromAddress, 0, RoutingTableOptions.DefaultMaxNodesPerAddressPerBucket);
        }

        Assert.InRange(_table.Count, 2, 2 * _table.BucketCount);
    }

    [Fact]
    public void A_cached_id_answering_from_a_residents_endpoint_takes_its_place_once()
    {
        // Far bucket full; X waits in its cache at endpoint 900; resident H holds endpoint 3.
        var residents = Enumerable.Range(0, 20).Select(_ => WithSharedPrefix(_own, 0, _random)).ToList();
        for (int i = 0; i < residents.Count; i++)
        {
            _table.Observe(residents[i], Endpoint(i), ObservationKind.ResponseReceived);
        }

        var x = WithSharedPrefix(_own, 0, _random);
        var other = WithSharedPrefix(_own, 0, _random);
        Assert.Equal(ObserveResult.Cached, _table.Observe(x, Endpoint(900), ObservationKind.ResponseReceived));
        Assert.Equal(ObserveResult.Cached, _table.Observe(other, Endpoint(901), ObservationKind.ResponseReceived));

        Assert.Equal(ObserveResult.Added, _table.Observe(x, Endpoint(3), ObservationKind.ResponseReceived));
        Assert.False(_table.TryGet(residents[3], out _));
        Assert.True(_table.TryGet(x, out var entry));
        Assert.Equal(Endpoint(3), entry.Endpoint);
        Assert.Equal(20, _table.Count);
        Assert.Equal(20, _table.Entries.Select(e => e.Endpoint).Distinct().Count());
        Assert.Equal(new[] { other }, _table.GetReplacements(x).Select(e => e.Id));

        // The same with a resident moving onto another resident's endpoint: one entry per endpoint.
        Assert.Equal(ObserveResult.Updated, _table.Observe(residents[5], Endpoint(6), ObservationKind.ResponseReceived));
        Assert.False(_table.TryGet(residents[6], out _));
        Assert.True(_table.TryGet(other, out _));
        Assert.Equal(20, _table.Entries.Select(e => e.Endpoint).Distinct().Count());
    }

    [Fact]
    public void Our_own_id_and_the_zero_id_never_enter()
    {
        Assert.Equal(ObserveResult.RefusedOwnId, _table.Observe(_own, Endpoint(1), ObservationKind.ResponseReceived));
        Assert.Equal(ObserveResult.RefusedOwnId, _table.Observe(_own, Endpoint(1), ObservationKind.QueryReceived));
        Assert.Equal(ObserveResult.RefusedInvalid, _table.Observe(NodeId.Zero, Endpoint(1), ObservationKind.ResponseReceived));
        Assert.Equal(ObserveResult.RefusedInvalid, _table.Observe(RandomId(_random), Endpoint(1, port: 0), ObservationKind.ResponseReceived));
        Assert.Equal(0, _table.Count);
        Assert.Equal(2, _table.GetStatistics().OwnIdRefused);
        Assert.Empty(_table.FindClosest(_own, 20));

        Assert.Equal(0, _table.Load(new[] { new SavedNode(_own, Endpoint(1), _time.GetUtcNow()) }));
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void Appliances_sharing_a_local_address_are_not_limited()
    {
        // Eight appliances on one host (or behind one home router, seen from inside).
        var local = PeerEndpoint.Parse("127.0.0.1:5004");
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(ObserveResult.Added, _table.Observe(NodeId.Random(), local.WithPort((ushort)(5004 + i)), ObservationKind.ResponseReceived));
        }

        Assert.Equal(8, _table.Count);
        Assert.Equal(0, _table.GetStatistics().AddressLimitRefused);
    }
}
