using System.Diagnostics;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.TestSupport.Dht;

namespace PicoTalk.Bench;

/// <summary>
/// <c>./build.sh bench dht</c> (issue 3 "Done when"): 100,000 simulated nodes on the
/// <see cref="SimulatedNetwork"/>; lookup success, hops, round trips and messages per lookup with
/// no churn and with 30% of the nodes gone, against the targets 100%, 99% and a median of at most
/// log2(N)/4 + 1 round trips. Same harness as the 10,000-node test in the suite.
/// </summary>
internal static class DhtBench
{
    /// <summary>Issue 3 asks for 100,000; PICOTALK_DHT_BENCH_NODES overrides it for a quicker run.</summary>
    private static readonly int Nodes =
        int.TryParse(Environment.GetEnvironmentVariable("PICOTALK_DHT_BENCH_NODES"), out int n) && n >= 100 ? n : 100_000;

    private const int Lookups = 2_000;
    private const int Seed = 42;

    public static void Run(Table table)
    {
        double roundTripTarget = Math.Log2(Nodes) / 4 + 1;
        var wall = Stopwatch.StartNew();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sim = new DhtSimulation(Nodes, new SimulationOptions { Seed = Seed });
        long heapBuilt = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        sim.Join(seeds: 8, wave: Math.Max(1_000, Nodes / 20), waveTime: TimeSpan.FromSeconds(3));
        table.Note($"DHT simulation: {Nodes:N0} nodes joined in {wall.Elapsed.TotalSeconds:F1} s wall, " +
                   $"{sim.Network.Sent:N0} datagrams; one-way latency 10-50 ms, no loss");
        table.Row("dht join: wall time", $"{wall.Elapsed.TotalSeconds:F1}", "s", "-");
        long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        long heapJoined = GC.GetTotalMemory(forceFullCollection: true);
        JoinRows(table, sim);
        table.Row("dht join: managed heap per node, new / joined", $"{(heapBuilt - heapBefore) / 1e3 / Nodes:F1} / {(heapJoined - heapBefore) / 1e3 / Nodes:F1}", "KB", "-");
        table.Row("dht join: allocated per datagram", $"{(double)allocated / Math.Max(1, sim.Network.Sent):F0}", "bytes", "-");

        var healthy = sim.RunLookups(Lookups, parallel: 1_000, maxBatchTime: TimeSpan.FromSeconds(60));
        Rows(table, "no churn", healthy, "100%", roundTripTarget);

        sim.RemoveFraction(0.30);
        var churned = sim.RunLookups(Lookups, parallel: 1_000, maxBatchTime: TimeSpan.FromSeconds(60));
        Rows(table, "30% gone", churned, ">= 99%", roundTripTarget);

        table.Row("dht: total wall time", $"{wall.Elapsed.TotalSeconds:F1}", "s", "-");
        table.Row("dht: managed heap after run", $"{GC.GetTotalMemory(forceFullCollection: true) / 1e6:F0}", "MB", "-");
        table.Row("dht: peak working set", $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0}", "MB", "-");
        GC.KeepAlive(sim);
    }

    /// <summary>What the join cost per node: datagrams, queries by method, lookups, and the tables it left.</summary>
    private static void JoinRows(Table table, DhtSimulation sim)
    {
        long lookups = 0, tableEntries = 0;
        var queries = new long[Enum.GetValues<KrpcMethod>().Length];
        for (int i = 0; i < sim.Count; i++)
        {
            var node = sim[i];
            lookups += node.Statistics.LookupsStarted;
            tableEntries += node.Table.Count;
            foreach (var method in Enum.GetValues<KrpcMethod>())
            {
                queries[(int)method] += node.Statistics.QueriesSent(method);
            }
        }

        double n = sim.Count;
        table.Row("dht join: datagrams per node", $"{sim.Network.Sent / n:F0}", "datagrams", "-");
        table.Row("dht join: find_node / get_peers / ping / announce_peer sent per node",
            $"{queries[(int)KrpcMethod.FindNode] / n:F0} / {queries[(int)KrpcMethod.GetPeers] / n:F0} / " +
            $"{queries[(int)KrpcMethod.Ping] / n:F0} / {queries[(int)KrpcMethod.AnnouncePeer] / n:F0}", "queries", "-");
        table.Row("dht join: lookups per node", $"{lookups / n:F1}", "lookups", "-");
        table.Row("dht join: mean routing table", $"{tableEntries / n:F0}", "entries", "-");
    }

    private static void Rows(Table table, string phase, SimulationReport r, string successTarget, double roundTripTarget)
    {
        table.Row($"dht {phase}: lookup success ({r.Lookups} lookups, {r.LiveNodes:N0} live)", $"{r.SuccessRate * 100:F2}", "%", successTarget);
        table.Row($"dht {phase}: hops median / p90", $"{r.MedianHops} / {r.P90Hops}", "hops", "-");
        table.Row($"dht {phase}: round trips median / p90", $"{r.MedianRoundTrips} / {r.P90RoundTrips}", "round trips",
            $"median <= {roundTripTarget:F2}");
        table.Row($"dht {phase}: queries per lookup", $"{r.QueriesPerLookup:F1}", "queries", "-");
        table.Row($"dht {phase}: messages per lookup", $"{r.MessagesPerLookup:F1}", "messages", "-");
        table.Row($"dht {phase}: median lookup time (virtual)", $"{r.MedianLookupTime.TotalMilliseconds:F0}", "ms", "-");
    }
}
