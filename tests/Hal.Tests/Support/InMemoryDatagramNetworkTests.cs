using System.Buffers.Binary;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Support;

public class InMemoryDatagramNetworkTests
{
    private static readonly PeerEndpoint Alice = PeerEndpoint.Parse("10.0.0.1:5004");
    private static readonly PeerEndpoint Bob = PeerEndpoint.Parse("[2001:db8::2]:5004");
    private static readonly PeerEndpoint Carol = PeerEndpoint.Parse("10.0.0.3:5004");
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_perfect_network_delivers_everything_in_order_on_the_next_advance()
    {
        var time = new FakeTimeProvider(seed: 1);
        var network = new InMemoryDatagramNetwork(time, seed: 1);
        var received = new List<(int Seq, PeerEndpoint From)>();
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (data, from) => received.Add((BinaryPrimitives.ReadInt32BigEndian(data), from)));

        for (int i = 0; i < 100; i++)
        {
            alice.Send(Seq(i), Bob);
        }

        Assert.Empty(received); // nothing arrives until the clock moves
        Assert.Equal(100, network.InFlight);
        time.Advance(TimeSpan.Zero);
        Assert.Equal(Enumerable.Range(0, 100), received.Select(r => r.Seq));
        Assert.All(received, r => Assert.Equal(Alice, r.From));
        Assert.Equal((100, 0, 100), (network.Sent, network.Dropped, network.Delivered));
        Assert.Equal(new LinkStats(100, 0, 100), network.GetLinkStats(Alice, Bob));
    }

    [Fact]
    public void Latency_delays_delivery_to_the_due_instant()
    {
        var time = new FakeTimeProvider(seed: 2);
        var network = new InMemoryDatagramNetwork(time, seed: 2);
        network.SetLink(Alice, Bob, new LinkConditions { Latency = TimeSpan.FromMilliseconds(40) });
        long sentAt = time.GetTimestamp();
        long? arrivedAt = null;
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (_, _) => arrivedAt = time.GetTimestamp());

        alice.Send(Seq(1), Bob);
        time.Advance(TimeSpan.FromMilliseconds(39));
        Assert.Null(arrivedAt);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(sentAt + TimeSpan.FromMilliseconds(40).Ticks, arrivedAt); // at its due time, not at the end of Advance
    }

    [Fact]
    public void Random_loss_drops_about_p_of_the_packets()
    {
        var time = new FakeTimeProvider(seed: 3);
        var network = new InMemoryDatagramNetwork(time, seed: 3) { DefaultConditions = new LinkConditions { LossRate = 0.2 } };
        int received = 0;
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (_, _) => received++);

        for (int i = 0; i < 10_000; i++)
        {
            alice.Send(Seq(i), Bob);
        }

        time.Advance(Tick);
        Assert.InRange(network.Dropped, 1800, 2200);
        Assert.Equal(10_000 - network.Dropped, received);
        Assert.Equal(received, network.Delivered);
    }

    [Fact]
    public void Burst_loss_comes_in_runs()
    {
        var time = new FakeTimeProvider(seed: 4);
        var network = new InMemoryDatagramNetwork(time, seed: 4);
        // Mean burst 1/0.25 = 4 packets; stationary Bad share 0.05 / (0.05 + 0.25) = 1/6.
        network.SetLink(Alice, Bob, new LinkConditions { BurstEnterRate = 0.05, BurstExitRate = 0.25 });
        var got = new bool[20_000];
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (data, _) => got[BinaryPrimitives.ReadInt32BigEndian(data)] = true);

        for (int i = 0; i < got.Length; i++)
        {
            alice.Send(Seq(i), Bob);
        }

        time.Advance(Tick);
        double lossRate = network.Dropped / (double)got.Length;
        Assert.InRange(lossRate, 0.13, 0.20);
        int runs = 0;
        for (int i = 0; i < got.Length; i++)
        {
            if (!got[i] && (i == 0 || got[i - 1]))
            {
                runs++;
            }
        }

        double meanRun = network.Dropped / (double)runs;
        Assert.InRange(meanRun, 3.3, 4.7); // independent loss at the same rate would give about 1.2
    }

    [Fact]
    public void Jitter_reorders_and_duplication_copies()
    {
        var time = new FakeTimeProvider(seed: 5);
        var network = new InMemoryDatagramNetwork(time, seed: 5)
        {
            DefaultConditions = new LinkConditions
            {
                Latency = TimeSpan.FromMilliseconds(50),
                Jitter = TimeSpan.FromMilliseconds(20),
                DuplicateRate = 0.1,
            },
        };
        var order = new List<int>();
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (data, _) => order.Add(BinaryPrimitives.ReadInt32BigEndian(data)));

        for (int i = 0; i < 1000; i++)
        {
            alice.Send(Seq(i), Bob);
            time.Advance(TimeSpan.FromMilliseconds(5)); // a packet every 5 ms, jitter ±20 ms
        }

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1000 + network.Duplicated, order.Count);
        Assert.InRange(network.Duplicated, 70, 130);
        Assert.Equal(Enumerable.Range(0, 1000), order.Distinct().Order());
        int inversions = order.Zip(order.Skip(1)).Count(p => p.Second < p.First);
        Assert.True(inversions > 100, $"only {inversions} reorderings");
    }

    [Fact]
    public void Explicit_reordering_holds_some_packets_back()
    {
        var time = new FakeTimeProvider(seed: 6);
        var network = new InMemoryDatagramNetwork(time, seed: 6);
        network.SetLink(Alice, Bob, new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), ReorderRate = 0.25, ReorderDelay = TimeSpan.FromMilliseconds(30) });
        var order = new List<int>();
        var alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, (data, _) => order.Add(BinaryPrimitives.ReadInt32BigEndian(data)));
        for (int i = 0; i < 400; i++)
        {
            alice.Send(Seq(i), Bob);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(400, order.Count);
        int late = order.Zip(order.Skip(1)).Count(p => p.Second < p.First);
        Assert.InRange(late, 60, 140);
    }

    [Fact]
    public void The_same_seed_gives_the_same_story()
    {
        Assert.Equal(Story(seed: 42), Story(seed: 42));
        Assert.NotEqual(Story(seed: 42), Story(seed: 43));
    }

    [Fact]
    public void Links_are_directional_and_the_default_applies_elsewhere()
    {
        var time = new FakeTimeProvider(seed: 7);
        var network = new InMemoryDatagramNetwork(time, seed: 7);
        network.SetLink(Alice, Bob, new LinkConditions { LossRate = 1 });
        int atBob = 0, atAlice = 0, atCarol = 0;
        var alice = network.Attach(Alice, (_, _) => atAlice++);
        var bob = network.Attach(Bob, (_, _) => atBob++);
        network.Attach(Carol, (_, _) => atCarol++);

        alice.Send(Seq(1), Bob);
        bob.Send(Seq(2), Alice);
        alice.Send(Seq(3), Carol);
        time.Advance(Tick);
        Assert.Equal((0, 1, 1), (atBob, atAlice, atCarol));

        network.ClearLink(Alice, Bob);
        alice.Send(Seq(4), Bob);
        time.Advance(Tick);
        Assert.Equal(1, atBob);
        Assert.Equal(new LinkStats(2, 1, 1), network.GetLinkStats(Alice, Bob));
    }

    [Fact]
    public void Receivers_can_reply_and_packets_to_nobody_are_counted()
    {
        var time = new FakeTimeProvider(seed: 8);
        var network = new InMemoryDatagramNetwork(time, seed: 8) { DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) } };
        InMemoryDatagramNetwork.Endpoint? bob = null;
        var pongs = new List<byte[]>();
        var alice = network.Attach(Alice, (data, _) => pongs.Add(data));
        bob = network.Attach(Bob, (data, from) => bob!.Send(data, from)); // echo

        alice.Send("ping"u8, Bob);
        alice.Send("lost"u8, Carol);
        time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.Empty(pongs);
        time.Advance(TimeSpan.FromMilliseconds(5)); // the echo left Bob at +10 ms and takes 10 ms more
        Assert.Equal("ping"u8.ToArray(), Assert.Single(pongs));
        Assert.Equal(1, network.Undeliverable);

        bob.Dispose();
        alice.Send("gone"u8, Bob);
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, network.Undeliverable);
        Assert.Throws<ObjectDisposedException>(() => bob.Send("x"u8, Alice));
        Assert.Throws<InvalidOperationException>(() => network.Attach(Alice, (_, _) => { }));
        Assert.Equal(0, network.InFlight);
    }

    [Fact]
    public void Handlers_and_the_wire_tap_see_each_datagram()
    {
        var time = new FakeTimeProvider(seed: 9);
        var network = new InMemoryDatagramNetwork(time, seed: 9);
        var handler = new RecordingHandler();
        var tapped = new List<(PeerEndpoint, PeerEndpoint, int)>();
        network.Delivering += (from, to, data) => tapped.Add((from, to, data.Length));
        IDatagramSender alice = network.Attach(Alice, (_, _) => { });
        network.Attach(Bob, handler);

        alice.Send(new byte[] { 0x64, 1, 2 }, Bob);
        alice.Send(new byte[InMemoryDatagramNetwork.MaxDatagramSize + 1], Bob);
        time.Advance(Tick);
        Assert.Equal(new[] { (Alice, 3) }, handler.Seen);
        Assert.Equal(new[] { (Alice, Bob, 3) }, tapped);
        Assert.Equal(1, network.Undeliverable); // too big for UDP
    }

    [Fact]
    public void Bad_conditions_are_refused()
    {
        var network = new InMemoryDatagramNetwork(new FakeTimeProvider(seed: 10), seed: 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.DefaultConditions = new LinkConditions { LossRate = 1.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => network.SetLink(Alice, Bob, new LinkConditions { Latency = TimeSpan.FromMilliseconds(-1) }));
    }

    private static string Story(int seed)
    {
        var time = new FakeTimeProvider(seed: 100);
        var network = new InMemoryDatagramNetwork(time, seed)
        {
            DefaultConditions = new LinkConditions
            {
                Latency = TimeSpan.FromMilliseconds(30),
                Jitter = TimeSpan.FromMilliseconds(15),
                LossRate = 0.05,
                BurstEnterRate = 0.02,
                DuplicateRate = 0.05,
                ReorderRate = 0.05,
            },
        };
        var log = new List<string>();
        var alice = network.Attach(Alice, (data, _) => log.Add($"A{data[0]}@{time.GetTimestamp()}"));
        var bob = network.Attach(Bob, (data, _) => log.Add($"B{data[0]}@{time.GetTimestamp()}"));
        for (int i = 0; i < 300; i++)
        {
            alice.Send([(byte)i], Bob);
            bob.Send([(byte)i], Alice);
            time.Advance(TimeSpan.FromMilliseconds(3));
        }

        time.Advance(TimeSpan.FromSeconds(1));
        return string.Join(',', log) + $"|{network.Sent},{network.Dropped},{network.Duplicated},{network.Delivered}";
    }

    private static byte[] Seq(int i)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(data, i);
        return data;
    }

    private sealed class RecordingHandler : IDatagramHandler
    {
        public List<(PeerEndpoint, int)> Seen { get; } = new();

        public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from) => Seen.Add((from, datagram.Length));
    }
}
