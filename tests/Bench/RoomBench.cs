using System.Diagnostics;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Bench;

/// <summary>
/// <c>./build.sh bench rooms</c> (issue 7 "Done when"): the room server's cost. First the real
/// server over loopback: <see cref="RoomServerHost"/> in a process of its own, N members
/// (<see cref="RoomLoad"/>, in this process) in one room for N = 8, 32 and 128 over UDP (and 32
/// over TCP), each sending a frame per mix; after a warm-up, the server process's CPU over the
/// window (user + system, /proc/PID/stat) as a percentage of one core per member, and the mixer
/// ticks that finished within the 32 ms frame interval. Then the mixer alone
/// (<see cref="RoomMixerCapacity"/>): the most members one core mixes within 32 ms. Issue 7's
/// figures sit in the target column: PicoTalk's Python server spends about 0.5 % of a core per
/// member and starts missing the deadline near 60 members; the target is 1,000 members per core.
/// </summary>
internal static class RoomBench
{
    /// <summary>Measured window per room size; PICOTALK_ROOM_BENCH_SECONDS changes it (at least 5).</summary>
    private static readonly int Seconds =
        int.TryParse(Environment.GetEnvironmentVariable("PICOTALK_ROOM_BENCH_SECONDS"), out int s) && s >= 5 ? s : 10;

    /// <summary>After the last member joined: JIT tiering, and the members' queues settling.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    private static readonly (RoomTransport Transport, int Members)[] Loads =
    [
        (RoomTransport.Udp, 8),
        (RoomTransport.Udp, 32),
        (RoomTransport.Udp, 128),
        (RoomTransport.Tcp, 32),
    ];

    /// <summary>PICOTALK.md "Audio": a frame of 512 samples at 16 kHz every 32 ms.</summary>
    private static double MixesPerSecond => 1 / AudioMixer.FrameInterval.TotalSeconds;

    public static void Run(Table table, string[] args)
    {
        if (args is [RoomServerHost.Flag])
        {
            RoomServerHost.Run();
            return;
        }

        table.Note($"load before: {LoadAverage()}");
        double perMemberAt128 = double.NaN;
        using (var server = RoomServerProcess.Start())
        {
            for (int i = 0; i < Loads.Length; i++)
            {
                var (transport, members) = Loads[i];
                double perMember = RunLoad(table, server, transport, members, $"bench-{i}").GetAwaiter().GetResult();
                if (transport == RoomTransport.Udp && members == 128)
                {
                    perMemberAt128 = perMember;
                }
            }
        }

        table.Row("rooms udp: members per core at the 128-member cost (100 % / CPU per member)", $"{100 / perMemberAt128:F0}", "members", ">= 1,000; PicoTalk ~60");
        RoomMixerCapacity.Run(table);
        table.Note($"load after: {LoadAverage()}");
    }

    /// <summary>One room of <paramref name="members"/>; returns the server's CPU per member (% of a core).</summary>
    private static async Task<double> RunLoad(Table table, RoomServerProcess server, RoomTransport transport, int members, string room)
    {
        string name = $"rooms {transport.ToString().ToLowerInvariant()} {members} members";
        var joining = Stopwatch.StartNew();
        await using var load = await RoomLoad.JoinAsync(server.TcpPort, transport, members, room);
        table.Note($"{name}: joined and authenticated in {joining.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(WarmUp);

        server.Reset();
        long dropsBefore = UdpReceiveBufferErrors();
        double cpuBefore = server.Meter.CpuSeconds();
        var before = load.Counters();
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(Seconds));
        double cpu = server.Meter.CpuSeconds() - cpuBefore;
        var after = load.Counters();
        var ticks = server.Stats();
        long drops = UdpReceiveBufferErrors() - dropsBefore;
        double seconds = window.Elapsed.TotalSeconds;

        double roomPercent = cpu / seconds * 100;
        double perMember = roomPercent / members;
        long firstMixes = after.FirstMixes - before.FirstMixes;
        table.Row($"{name}: server CPU per member", $"{perMember:F3}", "% of a core", "PicoTalk (Python) ~0.5");
        table.Row($"{name}: server CPU, whole room", $"{roomPercent:F1}", "% of a core", "-");
        table.Row($"{name}: mixer ticks within 32 ms / over / missed", $"{ticks.Ticks - ticks.Late}/{ticks.Late}/{ticks.Missed}", "ticks", "all; PicoTalk late from ~60");
        table.Row($"{name}: tick time median / p99 / max", $"{ticks.MedianMs:F2}/{ticks.P99Ms:F2}/{ticks.MaxMs:F1}", "ms", "< 32");
        table.Row($"{name}: mixes received per member", $"{(after.Mixes - before.Mixes) / (double)members / seconds:F2}", "per second", $"{MixesPerSecond:F2}");
        table.Row($"{name}: others' frames per mix (first member, decoded)", firstMixes == 0 ? "none" : $"{(after.FirstFrames - before.FirstFrames) / (double)firstMixes:F1}", "frames", $"{members - 1}");
        table.Row($"{name}: UDP datagrams dropped, receive buffer full (machine-wide)", $"{drops}", "datagrams", "0");
        return perMember;
    }

    /// <summary>
    /// Udp RcvbufErrors of /proc/net/snmp (proc(5); RFC 4113's udpInErrors, split by cause): datagrams
    /// the kernel dropped because a socket's receive buffer (SO_RCVBUF, socket(7)) was full.
    /// Machine-wide, so other processes' drops count too.
    /// </summary>
    private static long UdpReceiveBufferErrors()
    {
        string[] udp = [.. File.ReadLines("/proc/net/snmp").Where(l => l.StartsWith("Udp: ", StringComparison.Ordinal))];
        int column = Array.IndexOf(udp[0].Split(' '), "RcvbufErrors");
        return long.Parse(udp[1].Split(' ')[column], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim() + $" ({Environment.ProcessorCount} cores)";
}
