using System.Net;
using System.Net.Sockets;
using System.Text;
using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 3's defence test: one source floods a daemon with 10,000 malformed and 10,000 valid KRPC
/// queries per second for 10 s (loopback only); the daemon keeps answering another source and its
/// memory stays within a bound.
/// </summary>
public sealed class KrpcFloodTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("picotalk-flood-");

    public void Dispose() => _dir.Dispose();

    /// <summary>Resident memory the daemon may reach during the flood.</summary>
    private const long RssBoundBytes = 160L << 20;

    [Fact]
    public async Task A_flood_from_one_source_does_not_starve_others_or_grow_memory()
    {
        await using var daemon = await DaemonProcess.StartAsync(_dir.Path, "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null");
        var target = new IPEndPoint(IPAddress.Loopback, daemon.UdpPort);
        long rssBefore = Rss(daemon.ProcessId);

        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Another address than the attacker's: the DHT limits each source address, not each socket.
        probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));

        var random = new Random(5004);
        byte[] attackerId = new byte[20];
        random.NextBytes(attackerId);
        var duration = TimeSpan.FromSeconds(10);
        long sent = 0;
        var flood = Task.Run(async () =>
        {
            // 100 of each per 10 ms tick: 10,000 malformed and 10,000 valid queries per second.
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var junk = new byte[64];
            ushort t = 0;
            while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
            {
                for (int i = 0; i < 100; i++)
                {
                    random.NextBytes(junk);
                    junk[0] = (byte)'d';
                    attacker.SendTo(junk.AsSpan(0, random.Next(1, junk.Length)), SocketFlags.None, target);
                    attacker.SendTo(Ping(attackerId, t++), SocketFlags.None, target);
                    sent += 2;
                }
            }
        });

        // Meanwhile an honest node pings every 100 ms and counts the answers.
        byte[] probeId = new byte[20];
        random.NextBytes(probeId);
        probe.ReceiveTimeout = 1000;
        int asked = 0, answered = 0;
        long rssPeak = rssBefore;
        var buffer = new byte[1500];
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
        {
            while (!flood.IsCompleted && await timer.WaitForNextTickAsync())
            {
                ushort t = (ushort)(0x8000 + asked++);
                probe.SendTo(Ping(probeId, t), target);
                if (ReceiveAnswer(probe, buffer, t))
                {
                    answered++;
                }

                rssPeak = Math.Max(rssPeak, Rss(daemon.ProcessId));
            }
        }

        await flood;
        output.WriteLine($"flood: {sent} datagrams; probe: {answered}/{asked} answered; RSS {rssBefore >> 20} MB before, {rssPeak >> 20} MB peak");
        Assert.True(asked >= 50, $"only {asked} probes");
        Assert.True(answered >= asked * 9 / 10, $"the honest node got {answered} of {asked} answers during the flood");
        Assert.True(rssPeak < RssBoundBytes, $"RSS reached {rssPeak >> 20} MB");
        Assert.False(daemon.HasExited);

        // And afterwards the daemon still answers at once.
        probe.SendTo(Ping(probeId, 1), target);
        Assert.True(ReceiveAnswer(probe, buffer, 1), "no answer after the flood");
    }

    /// <summary>A BEP 5 ping query, bencoded by hand: d1:ad2:id20:&lt;id&gt;e1:q4:ping1:t2:&lt;t&gt;1:y1:qe.</summary>
    private static byte[] Ping(byte[] id, ushort transaction)
    {
        var bytes = new List<byte>();
        bytes.AddRange("d1:ad2:id20:"u8.ToArray());
        bytes.AddRange(id);
        bytes.AddRange("e1:q4:ping1:t2:"u8.ToArray());
        bytes.Add((byte)(transaction >> 8));
        bytes.Add((byte)transaction);
        bytes.AddRange("1:y1:qe"u8.ToArray());
        return bytes.ToArray();
    }

    /// <summary>Waits up to the socket timeout for the response carrying transaction <paramref name="t"/>.</summary>
    private static bool ReceiveAnswer(Socket socket, byte[] buffer, ushort t)
    {
        byte[] marker = [.. "1:t2:"u8.ToArray(), (byte)(t >> 8), (byte)t];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException)
            {
                return false;
            }

            var span = buffer.AsSpan(0, n);
            if (span.IndexOf(marker) >= 0 && span.IndexOf("1:y1:r"u8) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static long Rss(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }

        return 0;
    }
}
