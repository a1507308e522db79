using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>BEP 5 node states at the 15-minute boundaries, and bucket refresh, on the fake clock.</summary>
public sealed class RoutingStatusTests
{
    private static readonly TimeSpan Window = RoutingTableOptions.DefaultGoodWindow;
    private readonly Random _random = new(31);
    private readonly FakeTimeProvider _time = new(31);
    private readonly RoutingTable _table;

    public RoutingStatusTests() => _table = new RoutingTable(RandomId(_random), _time);

    [Fact]
    public void A_response_makes_a_node_good_for_15_minutes_then_questionable()
    {
        var id = RandomId(_random);
        _table.Observe(id, Endpoint(1), ObservationKind.ResponseReceived);
        Assert.True(_table.TryGet(id, out var entry));
        Assert.Equal(NodeStatus.Good, entry.Status);
        _time.Advance(Window - TimeSpan.FromTicks(1));
        Assert.Equal(NodeStatus.Good, entry.Status);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(NodeStatus.Questionable, entry.Status);

        // BEP 5: responded ever and queried us within 15 minutes is good too.
        _table.Observe(id, Endpoint(1), ObservationKind.QueryReceived);
        Assert.Equal(NodeStatus.Good, entry.Status);
        _time.Advance(Window);
        Assert.Equal(NodeStatus.Questionable, entry.Status);
    }

    [Fact]
    public void A_query_alone_adds_an_unverified_questionable_node_and_asks_for_a_ping()
    {
        var id = RandomId(_random);
        Assert.Equal(ObserveResult.Added, _table.Observe(id, Endpoint(2), ObservationKind.QueryReceived));
        Assert.True(_table.TryGet(id, out var entry));
        Assert.False(entry.IsVerified);
        Assert.Equal(NodeStatus.Questionable, entry.Status);
        Assert.Equal(new PingRequest(id, Endpoint(2)), Assert.Single(_table.TakePendingPings()));

        // More queries do not make it good, nor ask again while the ping is outstanding.
        _table.Observe(id, Endpoint(2), ObservationKind.QueryReceived);
        Assert.Equal(NodeStatus.Questionable, entry.Status);
        Assert.Empty(_table.TakePendingPings());

        _table.Observe(id, Endpoint(2), ObservationKind.ResponseReceived);
        Assert.Equal(NodeStatus.Good, entry.Status);
    }

    [Fact]
    public void Three_failures_in_a_row_make_a_node_bad_and_a_response_makes_it_good_again()
    {
        var id = RandomId(_random);
        _table.Observe(id, Endpoint(3), ObservationKind.ResponseReceived);
        Assert.True(_table.TryGet(id, out var entry));
        _table.OnTimeout(id);
        Assert.Equal(NodeStatus.Questionable, entry.Status);
        _table.OnTimeout(id);
        Assert.Equal(NodeStatus.Questionable, entry.Status);
        _table.OnTimeout(id);
        Assert.Equal(NodeStatus.Bad, entry.Status);
        Assert.Equal(1, _table.GetStatistics().Bad);

        _table.Observe(id, Endpoint(3), ObservationKind.ResponseReceived);
        Assert.Equal(NodeStatus.Good, entry.Status);
        Assert.Equal(0, entry.ConsecutiveFailures);
    }

    [Fact]
    public void Statistics_count_nodes_by_status_and_buckets()
    {
        for (int i = 0; i < 30; i++)
        {
            _table.Observe(RandomId(_random), Endpoint(i), i < 10 ? ObservationKind.ResponseReceived : ObservationKind.QueryReceived);
        }

        var stats = _table.GetStatistics();
        Assert.Equal(30, stats.Nodes);
        Assert.Equal(10, stats.Good);
        Assert.Equal(20, stats.Questionable);
        Assert.Equal(0, stats.Bad);
        Assert.Equal(_table.BucketCount, stats.Buckets);
        Assert.True(stats.Buckets >= 2);
    }

    [Fact]
    public void Refresh_lists_buckets_quiet_for_15_minutes_with_a_target_inside_each()
    {
        for (int i = 0; i < 200; i++)
        {
            _table.Observe(RandomId(_random), Endpoint(i), ObservationKind.ResponseReceived);
        }

        int buckets = _table.BucketCount;
        Assert.Empty(_table.BucketsNeedingRefresh());
        _time.Advance(TimeSpan.FromMinutes(10));

        // Bucket 0 changes at 10 minutes; the others stay quiet.
        var resident = _table.Entries.First(e => _table.OwnId.CommonPrefixLength(e.Id) == 0);
        _table.Observe(resident.Id, resident.Endpoint, ObservationKind.ResponseReceived);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Empty(_table.BucketsNeedingRefresh());
        _time.Advance(TimeSpan.FromTicks(1));

        var due = _table.BucketsNeedingRefresh();
        Assert.Equal(Enumerable.Range(1, buckets - 1), due.Select(r => r.BucketIndex));
        var infos = _table.GetBuckets();
        foreach (var request in due)
        {
            var bucket = infos[request.BucketIndex];
            Assert.Equal(bucket.Prefix, request.Prefix);
            Assert.Equal(bucket.PrefixLength, request.PrefixLength);
            Assert.True(NodeIdBits.HasPrefix(request.Target, bucket.Prefix, bucket.PrefixLength));
            int cpl = Math.Min(_table.OwnId.CommonPrefixLength(request.Target), buckets - 1);
            Assert.Equal(request.BucketIndex, cpl);
        }

        // Listed buckets are not listed again until another interval passes; bucket 0 comes due at 25 minutes.
        Assert.Empty(_table.BucketsNeedingRefresh());
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(new[] { 0 }, _table.BucketsNeedingRefresh().Select(r => r.BucketIndex));
    }
}
