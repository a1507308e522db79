using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>
/// Random traffic from a small pool of IDs and addresses (so IDs move, endpoints collide, addresses
/// repeat and buckets overflow): nothing throws and the table's invariants hold after every step.
/// </summary>
public sealed class RoutingInvariantTests
{
    [Theory]
    [InlineData(81)]
    [InlineData(82)]
    public void Invariants_hold_under_random_traffic(int seed)
    {
        var random = new Random(seed);
        var time = new FakeTimeProvider(seed);
        var own = RandomId(random);
        var table = new RoutingTable(own, time, new RoutingTableOptions { BucketSize = 4, ReplacementCacheSize = 3 });

        // IDs near ours and far away, so several buckets split and fill.
        var ids = Enumerable.Range(0, 300).Select(i => i == 0 ? own : WithSharedPrefix(own, random.Next(0, 8), random)).ToArray();
        var endpoints = Enumerable.Range(0, 200)
            .Select(i => SameAddress(i % 60, (ushort)(1000 + i % 4))).ToArray();
        for (int step = 0; step < 30_000; step++)
        {
            var id = ids[random.Next(ids.Length)];
            switch (random.Next(10))
            {
                case < 4:
                    table.Observe(id, endpoints[random.Next(endpoints.Length)], ObservationKind.ResponseReceived);
                    break;
                case < 7:
                    table.Observe(id, endpoints[random.Next(endpoints.Length)], ObservationKind.QueryReceived);
                    break;
                case < 9:
                    table.OnTimeout(id);
                    break;
                default:
                    time.Advance(TimeSpan.FromSeconds(random.Next(1, 120)));
                    table.TakePendingPings();
                    break;
            }

            if (step % 50 == 0)
            {
                AssertInvariants(table, own);
            }
        }

        AssertInvariants(table, own);
        var reloaded = new RoutingTable(own, time, table.Options);
        Assert.Equal(table.Snapshot().Length, reloaded.Load(table.Save(), out _));
        AssertInvariants(reloaded, own);
    }

    private static void AssertInvariants(RoutingTable table, NodeId own)
    {
        var entries = table.Entries.ToList();
        var buckets = table.GetBuckets();
        Assert.Equal(table.Count, entries.Count);
        Assert.Equal(entries.Count, entries.Select(e => e.Id).Distinct().Count());
        Assert.Equal(entries.Count, entries.Select(e => e.Endpoint).Distinct().Count());
        Assert.DoesNotContain(entries, e => e.Id == own);
        foreach (var b in buckets)
        {
            var inside = entries.Where(e => NodeIdBits.HasPrefix(e.Id, b.Prefix, b.PrefixLength)).ToList();
            Assert.Equal(b.Count, inside.Count);
            Assert.InRange(b.Count, 0, table.Options.BucketSize);
            Assert.InRange(b.ReplacementCount, 0, table.Options.ReplacementCacheSize);
            Assert.All(inside.GroupBy(e => Address(e.Endpoint)),
                g => Assert.InRange(g.Count(), 1, table.Options.MaxNodesPerAddressPerBucket));
        }

        foreach (var e in entries)
        {
            Assert.True(table.TryGet(e.Id, out var found));
            Assert.Same(e, found);
            Assert.DoesNotContain(table.GetReplacements(e.Id), r => r.Id == e.Id);
        }
    }

    private static string Address(PeerEndpoint endpoint) => endpoint.ToIPEndPoint().Address.ToString();
}
