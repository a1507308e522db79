using PicoTalk.Protocol.Dht.Storage;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Storage;

/// <summary>The get_peers / announce_peer store: bounds, expiry, per-source rate, datagram fit.</summary>
public sealed class PeerStoreTests
{
    private readonly Random _random = new(71);
    private readonly FakeTimeProvider _time = new(71);

    private static PeerEndpoint V6(int i, ushort port = 6881) =>
        new(0x2001_0db8_0000_0000UL, (ulong)(i + 1), port);

    [Fact]
    public void Stores_the_announcers_address_with_the_announced_port_newest_first()
    {
        var store = new PeerStore(_time);
        var infoHash = RandomId(_random);
        Assert.Equal(AnnounceResult.Stored, store.Announce(infoHash, Endpoint(1, 40000), 5004));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AnnounceResult.Stored, store.Announce(infoHash, Endpoint(2, 40000), 5005));
        Assert.Equal(new[] { Endpoint(2, 5005), Endpoint(1, 5004) }, store.GetPeers(infoHash, 10));
        Assert.Equal(new[] { Endpoint(2, 5005) }, store.GetPeers(infoHash, 1));
        Assert.Empty(store.GetPeers(RandomId(_random), 10));

        // Re-announcing refreshes, it does not duplicate.
        Assert.Equal(AnnounceResult.Refreshed, store.Announce(infoHash, Endpoint(1, 40001), 5004));
        Assert.Equal(new[] { Endpoint(1, 5004), Endpoint(2, 5005) }, store.GetPeers(infoHash, 10));
        Assert.Equal(2, store.PeerCount);
        Assert.Equal(AnnounceResult.Invalid, store.Announce(infoHash, Endpoint(3), 0));
    }

    [Fact]
    public void An_appliance_announcing_its_own_id_is_found_by_that_id()
    {
        var store = new PeerStore(_time);
        var applianceId = RandomId(_random);
        var appliance = PeerEndpoint.Parse("198.51.100.20:5004");
        store.Announce(applianceId, appliance, appliance.Port);
        Assert.Equal(appliance, Assert.Single(store.GetPeers(applianceId, PeerStoreLimits.MaxValuesIPv4)));
    }

    [Fact]
    public void Peers_expire_after_30_minutes()
    {
        var store = new PeerStore(_time);
        var infoHash = RandomId(_random);
        store.Announce(infoHash, Endpoint(1), 6881);
        _time.Advance(TimeSpan.FromMinutes(10));
        store.Announce(infoHash, Endpoint(2), 6881);
        _time.Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromTicks(1));
        Assert.Equal(2, store.GetPeers(infoHash, 10).Count);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(new[] { Endpoint(2) }, store.GetPeers(infoHash, 10));
        Assert.Equal(1, store.PeerCount);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, store.Purge());
        Assert.Equal(0, store.PeerCount);
        Assert.Equal(0, store.InfoHashCount);
    }

    [Fact]
    public void Each_source_address_is_limited_per_minute()
    {
        var store = new PeerStore(_time, new PeerStoreLimits { MaxAnnouncesPerSourcePerMinute = 10 });
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(AnnounceResult.Stored, store.Announce(RandomId(_random), Endpoint(1, (ushort)(1000 + i)), 6881));
        }

        // Same address, any port: refused; another address: accepted.
        Assert.Equal(AnnounceResult.RateLimited, store.Announce(RandomId(_random), Endpoint(1, 2000), 6881));
        Assert.Equal(AnnounceResult.Stored, store.Announce(RandomId(_random), Endpoint(2), 6881));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(AnnounceResult.RateLimited, store.Announce(RandomId(_random), Endpoint(1), 6881));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AnnounceResult.Stored, store.Announce(RandomId(_random), Endpoint(1), 6881));
        Assert.Equal(2, store.GetStatistics().RateLimited);
    }

    [Fact]
    public void The_least_recently_announced_info_hash_and_peer_are_evicted_first()
    {
        var store = new PeerStore(_time, new PeerStoreLimits { MaxInfoHashes = 3, MaxPeersPerInfoHash = 3 });
        var h = Enumerable.Range(0, 4).Select(_ => RandomId(_random)).ToArray();
        store.Announce(h[0], Endpoint(1), 1);
        store.Announce(h[1], Endpoint(2), 1);
        store.Announce(h[2], Endpoint(3), 1);
        store.Announce(h[0], Endpoint(4), 1);
        store.Announce(h[3], Endpoint(5), 1);
        Assert.Equal(3, store.InfoHashCount);
        Assert.Empty(store.GetPeers(h[1], 10));
        Assert.Equal(2, store.GetPeers(h[0], 10).Count);

        store.Announce(h[0], Endpoint(6), 1);
        store.Announce(h[0], Endpoint(7), 1);
        Assert.Equal(new[] { Endpoint(7, 1), Endpoint(6, 1), Endpoint(4, 1) }, store.GetPeers(h[0], 10));
        Assert.Equal(1, store.GetStatistics().EvictedInfoHashes);
        Assert.Equal(1, store.GetStatistics().EvictedPeers);
    }

    [Fact]
    public void Bounds_hold_under_a_flood_of_100000_announces_from_10000_sources()
    {
        var limits = new PeerStoreLimits();
        var store = new PeerStore(_time, limits);
        var hot = RandomId(_random);
        var hashes = Enumerable.Range(0, 5_000).Select(_ => RandomId(_random)).ToArray();
        var results = new Dictionary<AnnounceResult, int>();
        for (int i = 0; i < 100_000; i++)
        {
            int source = _random.Next(10_000);
            var infoHash = i % 4 == 0 ? hot : hashes[_random.Next(hashes.Length)];
            var result = store.Announce(infoHash, Endpoint(source, (ushort)(1024 + _random.Next(60_000))), 6881);
            results[result] = results.GetValueOrDefault(result) + 1;
            _time.Advance(TimeSpan.FromMilliseconds(5));
            if (i % 1_000 == 999)
            {
                var stats = store.GetStatistics();
                Assert.InRange(stats.InfoHashes, 1, limits.MaxInfoHashes);
                Assert.InRange(stats.Peers, 1, limits.MaxInfoHashes * limits.MaxPeersPerInfoHash);
                Assert.InRange(stats.TrackedSources, 1, limits.MaxTrackedSources);
                Assert.InRange(store.GetPeers(hot, int.MaxValue).Count, 1, limits.MaxPeersPerInfoHash);
            }
        }

        var final = store.GetStatistics();
        Assert.Equal(limits.MaxInfoHashes, final.InfoHashes);
        Assert.Equal(limits.MaxPeersPerInfoHash, store.GetPeers(hot, int.MaxValue).Count);
        Assert.Equal(final.Peers, hashes.Append(hot).Sum(h => store.GetPeers(h, int.MaxValue).Count));
        Assert.True(final.EvictedInfoHashes > 0 && final.EvictedPeers > 0);
        Assert.True(results.GetValueOrDefault(AnnounceResult.Stored) > 10_000);
        Assert.True(results.GetValueOrDefault(AnnounceResult.RateLimited) > 0);
    }

    [Fact]
    public void A_response_carries_no_more_values_than_fit_one_datagram()
    {
        Assert.Equal(52, PeerStoreLimits.MaxValuesIPv4);
        Assert.Equal(20, PeerStoreLimits.MaxValuesIPv6);
        var store = new PeerStore(_time, new PeerStoreLimits { MaxAnnouncesPerSourcePerMinute = 1 });
        var v4 = RandomId(_random);
        var v6 = RandomId(_random);
        var mixed = RandomId(_random);
        for (int i = 0; i < 100; i++)
        {
            store.Announce(v4, Endpoint(i), 6881);
            store.Announce(v6, V6(i), 6881);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 100; i++)
        {
            store.Announce(mixed, i % 2 == 0 ? Endpoint(i) : V6(i), 6881);
        }

        Assert.Equal(PeerStoreLimits.MaxValuesIPv4, store.GetPeersForResponse(v4).Count);
        Assert.Equal(PeerStoreLimits.MaxValuesIPv6, store.GetPeersForResponse(v6).Count);
        var both = store.GetPeersForResponse(mixed);
        int bytes = both.Sum(p => p.IsIPv4 ? PeerStoreLimits.BencodedIPv4ValueSize : PeerStoreLimits.BencodedIPv6ValueSize);
        Assert.InRange(bytes, PeerStoreLimits.ValuesBudget - PeerStoreLimits.BencodedIPv6ValueSize, PeerStoreLimits.ValuesBudget);
        Assert.All(store.GetPeersForResponse(mixed, PeerFamily.IPv6), p => Assert.False(p.IsIPv4));
        Assert.All(store.GetPeers(mixed, 100, PeerFamily.IPv4), p => Assert.True(p.IsIPv4));
    }
}
