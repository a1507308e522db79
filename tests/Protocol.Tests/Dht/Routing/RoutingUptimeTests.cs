using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>
/// Uptime first (paper §2.2: "least-recently seen ... evicted only if it fails to respond"; BEP 5
/// ping/replace rules), the opposite of the reference code's round-robin overwrite of full buckets.
/// </summary>
public sealed class RoutingUptimeTests
{
    private readonly Random _random = new(21);
    private readonly FakeTimeProvider _time = new(21);
    private readonly NodeId _own;
    private readonly RoutingTable _table;

    public RoutingUptimeTests()
    {
        _own = RandomId(_random);
        _table = new RoutingTable(_own, _time);
    }

    /// <summary>Fills the far bucket (IDs differing from ours in bit 0) with 20 good nodes, one second apart.</summary>
    private List<NodeId> FillFarBucket()
    {
        var ids = new List<NodeId>();
        for (int i = 0; i < RoutingTableOptions.DefaultBucketSize; i++)
        {
            var id = WithSharedPrefix(_own, 0, _random);
            Assert.Equal(ObserveResult.Added, _table.Observe(id, Endpoint(i), ObservationKind.ResponseReceived));
            ids.Add(id);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Empty(_table.TakePendingPings());
        return ids;
    }

    [Fact]
    public void A_full_bucket_of_good_nodes_keeps_all_of_them_and_newcomers_wait_in_the_replacement_cache()
    {
        var residents = FillFarBucket();
        var newcomers = new List<NodeId>();
        for (int i = 0; i < 50; i++)
        {
            var id = WithSharedPrefix(_own, 0, _random);
            newcomers.Add(id);
            var kind = i % 2 == 0 ? ObservationKind.ResponseReceived : ObservationKind.QueryReceived;
            Assert.Equal(ObserveResult.Cached, _table.Observe(id, Endpoint(100 + i), kind));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.All(residents, id => Assert.True(_table.TryGet(id, out _)));
        Assert.All(newcomers, id => Assert.False(_table.TryGet(id, out _)));
        // The cache keeps the 8 most recent newcomers, oldest first.
        Assert.Equal(newcomers.TakeLast(8), _table.GetReplacements(newcomers[0]).Select(e => e.Id));
        // All residents are good: nobody needs a ping.
        Assert.Empty(_table.TakePendingPings());
        Assert.Equal(20, _table.GetStatistics().Good);
    }

    [Fact]
    public void A_questionable_node_is_pinged_and_replaced_only_after_failing()
    {
        var residents = FillFarBucket();
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.All(residents, id => Assert.Equal(NodeStatus.Questionable, Status(id)));

        var newcomer = WithSharedPrefix(_own, 0, _random);
        Assert.Equal(ObserveResult.Cached, _table.Observe(newcomer, Endpoint(500), ObservationKind.ResponseReceived));

        // The least recently seen questionable node is pinged, and only it.
        var ping = Assert.Single(_table.TakePendingPings());
        Assert.Equal(residents[0], ping.Id);
        Assert.Equal(Endpoint(0), ping.Endpoint);

        // It answers: it stays, and the next least recently seen one is pinged (BEP 5).
        Assert.Equal(ObserveResult.Updated, _table.Observe(residents[0], Endpoint(0), ObservationKind.ResponseReceived));
        Assert.Equal(NodeStatus.Good, Status(residents[0]));
        ping = Assert.Single(_table.TakePendingPings());
        Assert.Equal(residents[1], ping.Id);

        // One and two failures: still in the table, pinged again ("try once more").
        for (int failure = 1; failure < RoutingTableOptions.DefaultFailuresBeforeBad; failure++)
        {
            _table.OnTimeout(residents[1]);
            Assert.True(_table.TryGet(residents[1], out _));
            Assert.False(_table.TryGet(newcomer, out _));
            Assert.Equal(residents[1], Assert.Single(_table.TakePendingPings()).Id);
        }

        // Third failure: bad, replaced by the waiting newcomer.
        _table.OnTimeout(residents[1]);
        Assert.False(_table.TryGet(residents[1], out _));
        Assert.True(_table.TryGet(newcomer, out var promoted));
        Assert.Equal(Endpoint(500), promoted.Endpoint);
        Assert.Equal(20, _table.Count);
        Assert.Empty(_table.GetReplacements(newcomer));
        Assert.All(residents.Where(id => id != residents[1]), id => Assert.True(_table.TryGet(id, out _)));
    }

    [Fact]
    public void A_bad_node_is_replaced_by_the_freshest_replacement()
    {
        var residents = FillFarBucket();
        var candidates = new List<NodeId>();
        for (int i = 0; i < 3; i++)
        {
            var id = WithSharedPrefix(_own, 0, _random);
            candidates.Add(id);
            Assert.Equal(ObserveResult.Cached, _table.Observe(id, Endpoint(200 + i), ObservationKind.ResponseReceived));
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        var victim = residents[7];
        for (int i = 0; i < RoutingTableOptions.DefaultFailuresBeforeBad; i++)
        {
            _table.OnTimeout(victim);
        }

        Assert.False(_table.TryGet(victim, out _));
        Assert.True(_table.TryGet(candidates[2], out _));
        Assert.Equal(candidates.Take(2), _table.GetReplacements(victim).Select(e => e.Id));
    }

    [Fact]
    public void A_bad_node_with_no_replacement_stays_unserved_until_a_newcomer_takes_its_place()
    {
        var residents = FillFarBucket();
        var victim = residents[3];
        for (int i = 0; i < RoutingTableOptions.DefaultFailuresBeforeBad; i++)
        {
            _table.OnTimeout(victim);
        }

        Assert.Equal(NodeStatus.Bad, Status(victim));
        Assert.DoesNotContain(_table.FindClosest(victim, 20), e => e.Id == victim);

        var newcomer = WithSharedPrefix(_own, 0, _random);
        Assert.Equal(ObserveResult.Added, _table.Observe(newcomer, Endpoint(300), ObservationKind.ResponseReceived));
        Assert.False(_table.TryGet(victim, out _));
        Assert.Equal(NodeStatus.Good, Status(newcomer));
    }

    [Fact]
    public void A_replacement_that_does_not_answer_leaves_the_cache()
    {
        FillFarBucket();
        var candidate = WithSharedPrefix(_own, 0, _random);
        _table.Observe(candidate, Endpoint(400), ObservationKind.QueryReceived);
        Assert.Single(_table.GetReplacements(candidate));
        _table.OnTimeout(candidate);
        Assert.Empty(_table.GetReplacements(candidate));
    }

    private NodeStatus Status(NodeId id)
    {
        Assert.True(_table.TryGet(id, out var entry));
        return entry.Status;
    }
}
