using System.Numerics;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>Prefix splitting (BEP 5 "Routing Table", paper §2.2/§4.2) and XOR-ordered lookups.</summary>
public sealed class RoutingSplitTests
{
    private static readonly BigInteger Space = BigInteger.One << 160;

    private static BigInteger ToBig(NodeId id) => new(id.ToArray(), isUnsigned: true, isBigEndian: true);

    private static RoutingTable Populate(int seed, int count, out Random random)
    {
        random = new Random(seed);
        var table = new RoutingTable(RandomId(random), new FakeTimeProvider(seed));
        for (int i = 0; i < count; i++)
        {
            table.Observe(RandomId(random), Endpoint(i), ObservationKind.ResponseReceived);
        }

        return table;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_ids_give_buckets_that_tile_the_space_with_the_own_bucket_deepest(int seed)
    {
        var table = Populate(seed, 5_000, out _);
        var buckets = table.GetBuckets();
        Assert.True(buckets.Count > 6, $"only {buckets.Count} buckets: the own bucket never split");

        // Ranges sorted by start must follow each other with no gap and no overlap, from 0 to 2^160.
        var next = BigInteger.Zero;
        foreach (var b in buckets.OrderBy(b => ToBig(b.Prefix)))
        {
            Assert.Equal(next, ToBig(b.Prefix));
            Assert.Equal(b.Prefix, NodeIdBits.Truncate(b.Prefix, b.PrefixLength));
            next += BigInteger.One << (160 - b.PrefixLength);
        }

        Assert.Equal(Space, next);

        var own = buckets[^1];
        Assert.True(own.ContainsOwnId);
        Assert.True(NodeIdBits.HasPrefix(table.OwnId, own.Prefix, own.PrefixLength));
        Assert.All(buckets.Take(buckets.Count - 1), b =>
        {
            Assert.False(b.ContainsOwnId);
            Assert.False(NodeIdBits.HasPrefix(table.OwnId, b.Prefix, b.PrefixLength));
            Assert.True(b.PrefixLength <= own.PrefixLength);
        });
        Assert.All(buckets, b => Assert.InRange(b.Count, 0, RoutingTableOptions.DefaultBucketSize));

        // Every entry sits in the bucket whose range holds its ID.
        foreach (var entry in table.Entries)
        {
            int cpl = Math.Min(table.OwnId.CommonPrefixLength(entry.Id), buckets.Count - 1);
            Assert.True(NodeIdBits.HasPrefix(entry.Id, buckets[cpl].Prefix, buckets[cpl].PrefixLength));
        }

        // The far buckets are full: the first bucket alone is offered ~2,500 IDs.
        Assert.Equal(RoutingTableOptions.DefaultBucketSize, buckets[0].Count);
        Assert.Equal(table.Count, buckets.Sum(b => b.Count));
    }

    [Fact]
    public void A_bucket_without_our_id_never_splits()
    {
        var random = new Random(7);
        var own = RandomId(random);
        var table = new RoutingTable(own, new FakeTimeProvider(7));
        for (int i = 0; i < 200; i++)
        {
            table.Observe(WithSharedPrefix(own, 0, random), Endpoint(i), ObservationKind.ResponseReceived);
        }

        // The whole-space bucket split once (it held our ID); the far half then filled and stayed one bucket.
        var buckets = table.GetBuckets();
        Assert.Equal(2, buckets.Count);
        Assert.Equal(20, buckets[0].Count);
        Assert.Equal(1, buckets[0].PrefixLength);
        Assert.Equal(0, buckets[1].Count);
        Assert.Equal(RoutingTableOptions.DefaultReplacementCacheSize, buckets[0].ReplacementCount);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void FindClosest_agrees_with_a_brute_force_sort_by_xor_distance(int seed)
    {
        var table = Populate(seed, 3_000, out var random);

        // Some entries go bad (no replacement waits for these far buckets' slots in every case): all must be skipped.
        foreach (var entry in table.Entries.Where((_, i) => i % 9 == 0).ToList())
        {
            for (int f = 0; f < RoutingTableOptions.DefaultFailuresBeforeBad; f++)
            {
                table.OnTimeout(entry.Id);
            }
        }

        var live = table.Entries.Where(e => e.Status != NodeStatus.Bad).ToList();
        Assert.True(live.Count > 100);
        for (int t = 0; t < 3_000; t++)
        {
            // Half the targets near our own ID, where the deep buckets are.
            var target = t % 2 == 0 ? RandomId(random) : WithSharedPrefix(table.OwnId, random.Next(0, 12), random);
            int count = 1 + random.Next(40);
            var expected = live.OrderBy(e => target.Xor(e.Id)).Take(count).Select(e => e.Id).ToList();
            var actual = table.FindClosest(target, count).Select(e => e.Id).ToList();
            Assert.Equal(expected, actual);
        }

        // A filter applies before the count.
        var target2 = RandomId(random);
        var odd = table.FindClosest(target2, 10, e => e.Endpoint.Port == 6881 && (e.Id.GetBit(159)));
        Assert.Equal(live.Where(e => e.Id.GetBit(159)).OrderBy(e => target2.Xor(e.Id)).Take(10).Select(e => e.Id),
            odd.Select(e => e.Id));
    }
}
