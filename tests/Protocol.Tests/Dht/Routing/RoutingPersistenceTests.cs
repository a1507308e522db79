using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Dht.Routing.DhtTestIds;

namespace PicoTalk.Protocol.Tests.Dht.Routing;

/// <summary>The routing table file: round trip, golden bytes, typed errors and a fuzz of the reader.</summary>
public sealed class RoutingPersistenceTests
{
    private static readonly byte[] Golden = Convert.FromHexString(
        "50545254" + "01" + "00" + "0002"
        + "0102030405060708090a0b0c0d0e0f1011121314" + "00000000000000000000ffff01020304" + "138c" + "00000000"
        + "0000018cc820db2e"
        + "abababababababababababababababababababab" + "20010db8000000000000000000000001" + "1ae1" + "00000000"
        + "00000197496fc0df");

    private static SavedNode[] GoldenNodes() =>
    [
        new(NodeId.Read(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray()), PeerEndpoint.Parse("1.2.3.4:5004"),
            DateTimeOffset.Parse("2024-01-02T03:04:05.678Z")),
        new(NodeId.Parse("abababababababababababababababababababab"), PeerEndpoint.Parse("[2001:db8::1]:6881"),
            DateTimeOffset.Parse("2025-06-07T08:09:10.111Z")),
    ];

    [Fact]
    public void Writes_the_golden_bytes()
    {
        var nodes = GoldenNodes();
        var buffer = new byte[RoutingTableFile.GetSize(nodes.Length)];
        Assert.Equal(Golden.Length, RoutingTableFile.Write(nodes, buffer));
        Assert.Equal(Convert.ToHexStringLower(Golden), Convert.ToHexStringLower(buffer));
    }

    [Fact]
    public void Reads_the_golden_bytes()
    {
        Assert.True(RoutingTableFile.TryRead(Golden, out var nodes, out var error));
        Assert.Equal(RoutingFileError.None, error);
        Assert.Equal(GoldenNodes(), nodes);
    }

    [Fact]
    public void Round_trip_brings_nodes_back_questionable_with_their_ages()
    {
        var random = new Random(51);
        var time = new FakeTimeProvider(51);
        var own = RandomId(random);
        var table = new RoutingTable(own, time);
        for (int i = 0; i < 400; i++)
        {
            table.Observe(RandomId(random), Endpoint(i), ObservationKind.ResponseReceived);
            time.Advance(TimeSpan.FromSeconds(3));
        }

        var bad = table.Entries.First();
        for (int i = 0; i < RoutingTableOptions.DefaultFailuresBeforeBad; i++)
        {
            table.OnTimeout(bad.Id);
        }

        var saved = table.Entries.Where(e => e.Status != NodeStatus.Bad)
            .ToDictionary(e => e.Id, e => (e.Endpoint, Age: time.GetElapsedTime(e.LastSeen)));
        byte[] file = table.Save();
        Assert.Equal(RoutingTableFile.GetSize(saved.Count), file.Length);

        time.Advance(TimeSpan.FromMinutes(2));
        var restarted = new RoutingTable(own, time);
        Assert.Equal(saved.Count, restarted.Load(file, out var error));
        Assert.Equal(RoutingFileError.None, error);
        Assert.Equal(saved.Count, restarted.Count);
        Assert.False(restarted.TryGet(bad.Id, out _));
        foreach (var entry in restarted.Entries)
        {
            Assert.True(saved.TryGetValue(entry.Id, out var before));
            Assert.Equal(before.Endpoint, entry.Endpoint);
            Assert.Equal(NodeStatus.Questionable, entry.Status);
            Assert.False(entry.IsVerified);
            var age = time.GetElapsedTime(entry.LastSeen) - TimeSpan.FromMinutes(2);
            Assert.InRange((age - before.Age).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        }

        Assert.Empty(restarted.TakePendingPings());
    }

    [Theory]
    [InlineData("", RoutingFileError.TooShort)]
    [InlineData("50545254010000", RoutingFileError.TooShort)]
    [InlineData("5054525301000000", RoutingFileError.BadMagic)]
    [InlineData("5054525402000000", RoutingFileError.UnsupportedVersion)]
    [InlineData("5054525401010000", RoutingFileError.ReservedNotZero)]
    [InlineData("5054525401000001", RoutingFileError.LengthMismatch)]
    [InlineData("505452540100000000", RoutingFileError.LengthMismatch)]
    public void Malformed_headers_give_their_typed_error(string hex, RoutingFileError expected)
    {
        Assert.False(RoutingTableFile.TryRead(Convert.FromHexString(hex), out var nodes, out var error));
        Assert.Equal(expected, error);
        Assert.Empty(nodes);
    }

    [Theory]
    [InlineData(RoutingTableFile.RecordIdOffset, NodeId.Size)]
    [InlineData(RoutingTableFile.RecordAddressOffset, 16)]
    [InlineData(RoutingTableFile.RecordPortOffset, 2)]
    public void A_record_with_a_zero_id_address_or_port_is_refused(int offset, int length)
    {
        var file = (byte[])Golden.Clone();
        Array.Clear(file, RoutingTableFile.HeaderSize + RoutingTableFile.RecordSize + offset, length);
        Assert.False(RoutingTableFile.TryRead(file, out _, out var error));
        Assert.Equal(RoutingFileError.InvalidNode, error);
    }

    [Fact]
    public void Fuzz_random_and_mutated_files_never_throw()
    {
        const int Iterations = 100_000;
        var random = new Random(53);
        var time = new FakeTimeProvider(53);
        int accepted = 0;
        var errors = new HashSet<RoutingFileError>();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(random, Golden);
            var table = i % 100 == 0 ? new RoutingTable(RandomId(random), time) : null;
            bool ok = RoutingTableFile.TryRead(input, out var nodes, out var error);
            Assert.Equal(ok, error == RoutingFileError.None);
            if (ok)
            {
                accepted++;
                Assert.Equal(RoutingTableFile.GetSize(nodes.Length), input.Length);
            }
            else
            {
                errors.Add(error);
                Assert.Empty(nodes);
            }

            table?.Load(input, out _);
        }

        // Both outcomes and every header error were reached: the mutations exercise the reader.
        Assert.InRange(accepted, 1, Iterations - 1);
        Assert.Superset(new HashSet<RoutingFileError>
        {
            RoutingFileError.TooShort, RoutingFileError.BadMagic, RoutingFileError.UnsupportedVersion,
            RoutingFileError.ReservedNotZero, RoutingFileError.LengthMismatch, RoutingFileError.InvalidNode,
        }, errors);
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] input;
        switch (random.Next(6))
        {
            case 0:
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
                if (input.Length >= 4 && random.Next(2) == 0)
                {
                    RoutingTableFile.Magic.CopyTo(input);
                }

                return input;
            case 1:
                return valid[..random.Next(valid.Length)];
            case 2:
                input = new byte[valid.Length + random.Next(1, 60)];
                valid.CopyTo(input, 0);
                random.NextBytes(input.AsSpan(valid.Length));
                return input;
            case 3:
                input = (byte[])valid.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    int bit = random.Next(input.Length * 8);
                    input[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                return input;
            case 4:
                // The count rewritten, with the body grown or cut to match sometimes.
                int count = random.Next(0, 5);
                input = new byte[RoutingTableFile.HeaderSize + count * RoutingTableFile.RecordSize + random.Next(-1, 2)];
                input.AsSpan().Clear();
                valid.AsSpan(0, Math.Min(valid.Length, input.Length)).CopyTo(input);
                if (input.Length >= RoutingTableFile.HeaderSize)
                {
                    input[RoutingTableFile.CountOffset] = 0;
                    input[RoutingTableFile.CountOffset + 1] = (byte)count;
                }

                return input;
            default:
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
                return input;
        }
    }
}
