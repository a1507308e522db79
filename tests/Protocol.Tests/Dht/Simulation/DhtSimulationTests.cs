using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.TestSupport.Dht;
using Xunit.Abstractions;

namespace PicoTalk.Protocol.Tests.Dht.Simulation;

/// <summary>
/// Issue 3 "Done when": 10,000 nodes on a simulated network with a virtual clock; 100% of lookups
/// succeed with no churn, 99% or more with 30% of the nodes gone, and the median lookup takes no
/// more than log2(N)/4 + 1 round trips. Also with 20-80 ms latency and 1% loss, and with a third of
/// the nodes lying ("lookups keep going when a third of the nodes they meet lie or are gone").
/// </summary>
/// <remarks>
/// Joining 10,000 nodes is most of the cost (~6 million datagrams), so one network is joined once
/// and then put through the phases in turn, the destructive one (30% gone) last. The liars are
/// chosen at the start, are honest while the network forms, and lie from their phase on.
/// </remarks>
public sealed class DhtSimulationTests
{
    private const int Nodes = 10_000;
    private const int Lookups = 1_000;

    private readonly ITestOutputHelper _output;

    public DhtSimulationTests(ITestOutputHelper output) => _output = output;

    private static double RoundTripTarget(int n) => Math.Log2(n) / 4 + 1;

    [Fact]
    public void TenThousandNodes_NoChurn_LossAndLatency_AThirdLying_ThenThirtyPercentGone()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sim = new DhtSimulation(Nodes, new SimulationOptions { Seed = 5, LiarFraction = 1.0 / 3 }) { LiarsLying = false };
        sim.Join(seeds: 4, wave: 1_000, waveTime: TimeSpan.FromSeconds(3));
        _output.WriteLine($"joined in {clock.Elapsed.TotalSeconds:F1} s, {sim.Network.Sent} datagrams, " +
            $"mean table {Enumerable.Range(0, Nodes).Average(i => sim[i].Table.Count):F1}");

        var healthy = Run(sim, "no churn");
        Assert.Equal(healthy.Lookups, healthy.Succeeded);
        Assert.True(healthy.MedianRoundTrips <= RoundTripTarget(Nodes), $"median round trips {healthy.MedianRoundTrips}");

        sim.Network.SetConditions(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80), lossRate: 0.01);
        long lostBefore = sim.Network.Lost;
        var lossy = Run(sim, "20-80 ms, 1% loss");
        Assert.True(lossy.SuccessRate >= 0.99, $"success {lossy.SuccessRate:P2}");
        Assert.True(sim.Network.Lost > lostBefore, "the loss model dropped nothing");
        sim.Network.SetConditions(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), lossRate: 0);

        Assert.InRange(sim.Liars, Nodes * 0.30, Nodes * 0.37);
        sim.LiarsLying = true;
        var lied = Run(sim, "a third lying");
        Assert.True(sim.LiesTold > Lookups, $"only {sim.LiesTold} lies told");
        Assert.True(lied.SuccessRate >= 0.99, $"success {lied.SuccessRate:P2}");
        sim.LiarsLying = false;

        sim.RemoveFraction(0.30);
        var churned = Run(sim, "30% gone");
        Assert.True(churned.SuccessRate >= 0.99, $"success {churned.SuccessRate:P2}");
        Assert.True(churned.MedianRoundTrips <= RoundTripTarget(Nodes), $"median round trips {churned.MedianRoundTrips}");
        _output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s, managed heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
    }

    private SimulationReport Run(DhtSimulation sim, string label)
    {
        var report = sim.RunLookups(Lookups, parallel: 500, maxBatchTime: TimeSpan.FromSeconds(60));
        _output.WriteLine($"{label}: {report}");
        var nodes = Enumerable.Range(0, sim.Count).Select(i => sim[i]).ToArray();
        _output.WriteLine($"  network: sent {sim.Network.Sent}, lost {sim.Network.Lost}, to nowhere {sim.Network.ToNowhere}; " +
            $"nodes: timeouts {nodes.Sum(n => n.Statistics.Timeouts)}, wrong IDs {nodes.Sum(n => n.Statistics.WrongIdResponses)}, " +
            $"find_node sent {nodes.Sum(n => n.Statistics.QueriesSent(KrpcMethod.FindNode))}, " +
            $"pings sent {nodes.Sum(n => n.Statistics.QueriesSent(KrpcMethod.Ping))}");
        foreach (var failure in report.Failures.Take(10))
        {
            _output.WriteLine($"  failed: {failure}");
        }

        return report;
    }
}
