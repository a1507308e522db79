using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport.Dht;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>
/// Info-hashes of ours besides our ID (DhtNode.InfoHashes.cs; issue 7's room announce): several at
/// once with their own ports, re-announced every 15 minutes, withdrawn on request, found by
/// <see cref="DhtNode.LookupPeers"/>, on the simulated network under a fake clock.
/// </summary>
public sealed class DhtInfoHashTests
{
    private static readonly TimeSpan LookupBound = TimeSpan.FromSeconds(10);

    private static DhtSimulation Joined(int n, int seed = 5)
    {
        var sim = new DhtSimulation(n, new SimulationOptions { Seed = seed });
        sim.Join(seeds: 1, wave: n, waveTime: TimeSpan.FromSeconds(5));
        return sim;
    }

    private static NodeId Hash(int i)
    {
        var bytes = new byte[NodeId.Size];
        new Random(1000 + i).NextBytes(bytes);
        return NodeId.Read(bytes);
    }

    private static IReadOnlyList<PeerEndpoint> Lookup(DhtSimulation sim, int from, NodeId infoHash)
    {
        IReadOnlyList<PeerEndpoint>? peers = null;
        sim[from].LookupPeers(infoHash, p => peers = p);
        Assert.True(sim.RunUntil(() => peers is not null, LookupBound), "the lookup did not end");
        return peers!;
    }

    [Fact]
    public void SeveralInfoHashes_AreFound_EachWithItsOwnPort_NotTheSourcePort()
    {
        var sim = Joined(8);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(sim[5].AnnounceInfoHash(Hash(i), (ushort)(7001 + i)));
        }

        Assert.Equal(3, sim[5].AnnouncedInfoHashCount);
        sim.RunFor(TimeSpan.FromSeconds(20)); // three starts, 8 s apart

        for (int i = 0; i < 3; i++)
        {
            var peers = Lookup(sim, 2, Hash(i));
            Assert.Equal([sim.EndpointOf(5).WithPort((ushort)(7001 + i))], peers);
        }

        Assert.Empty(Lookup(sim, 2, Hash(9)));
    }

    [Fact]
    public void AnInfoHashKept_IsReannounced_AndAWithdrawnOne_ExpiresAtTheNodes()
    {
        var sim = Joined(8);
        Assert.True(sim[3].AnnounceInfoHash(Hash(0), 7000));
        Assert.True(sim[3].AnnounceInfoHash(Hash(1), 7001));
        sim.RunFor(TimeSpan.FromSeconds(15));
        Assert.NotEmpty(Lookup(sim, 6, Hash(1)));

        Assert.True(sim[3].WithdrawInfoHash(Hash(1)));
        Assert.False(sim[3].WithdrawInfoHash(Hash(1)));
        Assert.False(sim[3].IsAnnouncing(Hash(1)));
        Assert.True(sim[3].IsAnnouncing(Hash(0)));

        // Stored peers live 30 minutes (PeerStoreLimits.PeerLifetime); announces come every 15.
        sim.RunFor(TimeSpan.FromMinutes(46));
        Assert.Equal([sim.EndpointOf(3).WithPort(7000)], Lookup(sim, 6, Hash(0)));
        Assert.Empty(Lookup(sim, 6, Hash(1)));
    }

    [Fact]
    public void ManyInfoHashes_AreSpacedOut_SoTheStorersRateLimitRefusesNone()
    {
        var sim = Joined(8);
        const int count = 12; // more than the 10 announces a minute a node takes from one address
        for (int i = 0; i < count; i++)
        {
            Assert.True(sim[4].AnnounceInfoHash(Hash(i), 7000));
        }

        sim.RunFor(TimeSpan.FromSeconds(count * DhtNode.InfoHashAnnounceSpacing.TotalSeconds + 5));
        for (int i = 0; i < count; i++)
        {
            Assert.True(Lookup(sim, 1, Hash(i)).Count == 1, $"info-hash {i} was not stored");
        }
    }

    [Fact]
    public void AnAnnounceThatReachedNobody_IsSentAsSoonAsTheTableGrows()
    {
        var sim = new DhtSimulation(2, new SimulationOptions { Seed = 7 });
        // The first node of its DHT (a room server before anyone joined): its table is empty, the
        // announce reaches nobody, and neither the 30 s retry nor the 8 s spacing may hold it back
        // once a node turns up.
        Assert.True(sim[0].AnnounceInfoHash(Hash(0), 7000));
        sim.RunFor(TimeSpan.FromSeconds(1));
        sim[1].Bootstrap([sim.EndpointOf(0)]);
        sim.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal([sim.EndpointOf(0).WithPort(7000)], sim[1].PeerStore.GetPeers(Hash(0), 10));

        // Node 1 holds the announce itself and asks only node 0: LookupPeers reads our own store too.
        Assert.Equal([sim.EndpointOf(0).WithPort(7000)], Lookup(sim, 1, Hash(0)));
    }

    [Fact]
    public void TheBound_IsKept_AndOurOwnIdIsRefused()
    {
        var sim = new DhtSimulation(2, new SimulationOptions { Seed = 8 });
        for (int i = 0; i < DhtNode.MaxAnnouncedInfoHashes; i++)
        {
            Assert.True(sim[0].AnnounceInfoHash(Hash(i), 7000));
        }

        Assert.False(sim[0].AnnounceInfoHash(Hash(DhtNode.MaxAnnouncedInfoHashes), 7000));
        Assert.True(sim[0].AnnounceInfoHash(Hash(0), 7001)); // known: the port changes, no new entry
        Assert.Equal(DhtNode.MaxAnnouncedInfoHashes, sim[0].AnnouncedInfoHashCount);
        Assert.True(sim[0].WithdrawInfoHash(Hash(3)));
        Assert.True(sim[0].AnnounceInfoHash(Hash(DhtNode.MaxAnnouncedInfoHashes), 7000));
        Assert.Throws<ArgumentException>(() => sim[0].AnnounceInfoHash(sim[0].LocalId, 7000));
    }
}
