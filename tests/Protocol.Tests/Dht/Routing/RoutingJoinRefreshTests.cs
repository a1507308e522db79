using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>
/// The join's refresh (paper §2.3) asks only for buckets that are not full: a full bucket could
/// gain nothing but replacement candidates, and each refresh lookup is about ten queries.
/// </summary>
public sealed class RoutingJoinRefreshTests
{
    private readonly Random _random = new(41);
    private readonly FakeTimeProvider _time = new(41);

    [Fact]
    public void FullBuckets_AreLeftOut_OfTheJoinRefresh()
    {
        var own = RandomId(_random);
        var table = new RoutingTable(own, _time);
        int endpoint = 0;
        void Add(int sharedBits) =>
            table.Observe(WithSharedPrefix(own, sharedBits, _random), Endpoint(endpoint++), ObservationKind.ResponseReceived);

        // 3 nodes sharing 1 bit and 20 sharing 2 or more overflow the own bucket at depth 1, so it
        // splits again; 20 nodes sharing no bit fill bucket 0. Buckets: [0: 20 (full), 1: 3, own].
        for (int i = 0; i < 3; i++)
        {
            Add(1);
        }

        for (int i = 0; i < 20; i++)
        {
            Add(2 + _random.Next(8));
        }

        for (int i = 0; i < 20; i++)
        {
            Add(0);
        }

        var buckets = table.GetBuckets();
        Assert.True(buckets.Count >= 3, $"expected the table to split twice, it has {buckets.Count} buckets");
        Assert.Equal(20, buckets[0].Count);
        Assert.Equal(3, buckets[1].Count);
        Assert.True(table.IsBucketFull(WithSharedPrefix(own, 0, _random)));
        Assert.False(table.IsBucketFull(WithSharedPrefix(own, 1, _random)));

        var refresh = table.BucketsFartherThanNeighbours();
        Assert.DoesNotContain(refresh, r => r.BucketIndex == 0);
        Assert.Contains(refresh, r => r.BucketIndex == 1 && r.Target.CommonPrefixLength(own) == 1);
        Assert.All(refresh, r => Assert.True(buckets[r.BucketIndex].Count < RoutingTableOptions.DefaultBucketSize));
        Assert.DoesNotContain(refresh, r => r.BucketIndex == buckets.Count - 1);
    }
}
