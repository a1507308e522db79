using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Net;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// The UDP impairment proxy (issue 4) over real loopback sockets: each impairment is measured on the
/// packets that come out, not read back from the settings. Packets carry their number and send time.
/// </summary>
public sealed class ImpairmentProxyTests : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private readonly Socket _client = Bound();
    private readonly Socket _target = Bound();

    public void Dispose()
    {
        _client.Dispose();
        _target.Dispose();
    }

    [Fact]
    public void Random_loss_drops_about_the_set_fraction()
    {
        using var proxy = Proxy(new LinkConditions { LossRate = 0.10 });
        var got = SendAndCollect(proxy, 3000, spacing: 0.1);

        // Binomial: 3000 * 0.1 = 300 lost, standard deviation about 16; allow 5 sigma.
        Assert.InRange(3000 - got.Count, 220, 380);
        Assert.Equal(3000 - got.Count, proxy.ToTarget.Lost);
    }

    [Fact]
    public void Burst_loss_loses_runs_of_the_set_mean_length()
    {
        // Gilbert-Elliott: mean burst length 1 / BurstExitRate = 4 packets.
        using var proxy = Proxy(new LinkConditions { BurstEnterRate = 0.03, BurstExitRate = 0.25 });
        var got = SendAndCollect(proxy, 4000, spacing: 0.1).Select(p => p.Number).ToHashSet();

        var runs = new List<int>();
        int run = 0;
        for (int i = 0; i < 4000; i++)
        {
            if (!got.Contains(i))
            {
                run++;
            }
            else if (run > 0)
            {
                runs.Add(run);
                run = 0;
            }
        }

        Assert.True(runs.Count > 40, $"only {runs.Count} bursts");
        Assert.InRange(runs.Average(), 3.0, 5.5);
    }

    [Fact]
    public void Delay_and_jitter_shape_the_one_way_delay_and_reorder()
    {
        using var proxy = Proxy(new LinkConditions { Latency = TimeSpan.FromMilliseconds(40), Jitter = TimeSpan.FromMilliseconds(15) });
        var got = SendAndCollect(proxy, 300, spacing: 1);

        Assert.Equal(300, got.Count);
        var delays = got.Select(p => p.DelayMs).ToArray();
        Assert.True(delays.Min() >= 24, $"min delay {delays.Min():F1} ms");
        Assert.InRange(delays.Average(), 36, 52);
        Assert.True(delays.Max() - delays.Min() > 15, $"delays span only {delays.Max() - delays.Min():F1} ms");
        // Packets 1 ms apart with +-15 ms of jitter overtake each other.
        Assert.True(OutOfOrder(got) > 20, $"{OutOfOrder(got)} out of order");
    }

    [Fact]
    public void Reordering_holds_packets_back_so_later_ones_overtake_them()
    {
        using var proxy = Proxy(new LinkConditions { ReorderRate = 0.2, ReorderDelay = TimeSpan.FromMilliseconds(20) });
        var got = SendAndCollect(proxy, 500, spacing: 1);

        Assert.Equal(500, got.Count);
        Assert.InRange(proxy.ToTarget.HeldBack, 60, 140);
        Assert.True(OutOfOrder(got) > 40, $"{OutOfOrder(got)} out of order");
    }

    [Fact]
    public void Duplication_delivers_some_packets_twice()
    {
        using var proxy = Proxy(new LinkConditions { DuplicateRate = 0.1 });
        var got = SendAndCollect(proxy, 1000, spacing: 0.1);

        int copies = got.Count - got.Select(p => p.Number).Distinct().Count();
        Assert.InRange(copies, 50, 150);
        Assert.Equal(copies, proxy.ToTarget.Duplicated);
    }

    [Fact]
    public void Replies_come_back_through_the_other_direction_with_its_own_conditions()
    {
        using var proxy = new UdpImpairmentProxy((IPEndPoint)_target.LocalEndPoint!, LinkConditions.Perfect,
            new LinkConditions { LossRate = 0.5 }, seed: 7);
        var buffer = new byte[64];
        int replies = 0;
        _client.ReceiveTimeout = (int)Quiet.TotalMilliseconds;
        _target.ReceiveTimeout = 2000;
        for (int i = 0; i < 400; i++)
        {
            _client.SendTo(Packet(i), proxy.Endpoint);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = _target.ReceiveFrom(buffer, ref from);
            _target.SendTo(buffer.AsSpan(0, n), from); // echo to the proxy's back socket
        }

        try
        {
            while (true)
            {
                _client.Receive(buffer);
                replies++;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            // no more replies
        }

        Assert.Equal(400, proxy.ToTarget.Delivered);
        Assert.InRange(replies, 140, 260);
        Assert.Equal(400 - replies, proxy.FromTarget.Lost);
    }

    [Fact]
    public void The_same_seed_makes_the_same_decisions()
    {
        var conditions = new LinkConditions { LossRate = 0.3 };
        HashSet<int> Run()
        {
            using var proxy = Proxy(conditions);
            return SendAndCollect(proxy, 500, spacing: 0.1).Select(p => p.Number).ToHashSet();
        }

        var first = Run();
        var second = Run();
        Assert.True(first.SetEquals(second));
        Assert.InRange(first.Count, 280, 420);
    }

    private UdpImpairmentProxy Proxy(LinkConditions toTarget) =>
        new((IPEndPoint)_target.LocalEndPoint!, toTarget, LinkConditions.Perfect, seed: 42);

    /// <summary>
    /// Sends numbered packets every <paramref name="spacing"/> ms and reads what reaches the target
    /// until it is quiet. Paced, because a burst of thousands would overflow the sockets' receive
    /// buffers and the kernel's drops would be counted as the proxy's.
    /// </summary>
    private List<Arrival> SendAndCollect(UdpImpairmentProxy proxy, int count, double spacing)
    {
        var arrivals = new List<Arrival>();
        var receiver = new Thread(() =>
        {
            var buffer = new byte[64];
            _target.ReceiveTimeout = (int)Quiet.TotalMilliseconds;
            try
            {
                while (true)
                {
                    int n = _target.Receive(buffer);
                    long now = Stopwatch.GetTimestamp();
                    int number = BinaryPrimitives.ReadInt32BigEndian(buffer);
                    long sent = BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(4));
                    arrivals.Add(new Arrival(number, (now - sent) * 1000.0 / Stopwatch.Frequency));
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                // quiet: everything in flight has arrived
            }
        }) { Name = "impairment test receiver" };
        receiver.Start();

        var pace = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            // Real sockets need real time: hold each send until its slot.
            while (pace.Elapsed.TotalMilliseconds < i * spacing)
            {
                Thread.Yield();
            }

            _client.SendTo(Packet(i), proxy.Endpoint);
        }

        receiver.Join();
        return arrivals;
    }

    private static byte[] Packet(int number)
    {
        var packet = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(packet, number);
        BinaryPrimitives.WriteInt64BigEndian(packet.AsSpan(4), Stopwatch.GetTimestamp());
        return packet;
    }

    private static int OutOfOrder(List<Arrival> arrivals)
    {
        int count = 0, highest = -1;
        foreach (var a in arrivals)
        {
            if (a.Number < highest)
            {
                count++;
            }

            highest = Math.Max(highest, a.Number);
        }

        return count;
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private readonly record struct Arrival(int Number, double DelayMs);
}
