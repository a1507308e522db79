using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Interop;

namespace PicoTalk.Hal.Tests.Support;

/// <summary>
/// The npm bittorrent-dht harness on its own: npm nodes only, on 127.0.0.1 only, never the public
/// bootstrap routers. The first test of a run installs the package (npm registry) into a temp dir.
/// </summary>
public class NpmDhtTests
{
    private static readonly NodeId InfoHash = NodeId.Parse("5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ff");

    [Fact]
    public async Task Npm_nodes_bootstrap_from_each_other_and_a_lookup_finds_an_announce()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var seed = await npm.StartNodeAsync();
        var announcer = await npm.StartNodeAsync(new NpmDhtNodeOptions { Bootstrap = [seed.EndPoint] });
        var searcher = await npm.StartNodeAsync(new NpmDhtNodeOptions { Bootstrap = [announcer.EndPoint] });

        int? accepted = await announcer.AnnounceAsync(InfoHash, port: 4321);
        var found = await searcher.LookupAsync(InfoHash);

        Assert.True(accepted is null or > 0, $"announce accepted by {accepted} nodes");
        Assert.Contains(PeerEndpoint.Parse("127.0.0.1:4321"), found.Peers);
        Assert.True(found.Queries >= 1, $"lookup sent {found.Queries} get_peers");
        Assert.True(found.Replies >= 1, $"lookup got {found.Replies} replies");
        Assert.True(found.ElapsedMs > 0);

        var table = await searcher.NodesAsync();
        Assert.NotEmpty(table);
        Assert.All(table, n => Assert.Equal(IPAddress.Loopback, n.EndPoint.ToIPEndPoint().Address));
        Assert.Contains(table, n => n.Id == announcer.Id && n.EndPoint == announcer.EndPoint);
        Assert.DoesNotContain(table, n => n.Id == searcher.Id);

        var stats = await announcer.StatsAsync();
        Assert.True(stats.Sent.GetValueOrDefault("announce_peer") >= 1, "the announcer sent no announce_peer");
        Assert.True((await seed.StatsAsync()).Received.GetValueOrDefault("find_node") >= 1, "nobody bootstrapped from the seed");
        Assert.Equal(0, stats.Fenced);
    }

    [Fact]
    public async Task A_swarm_in_one_driver_finds_an_announce_and_counts_its_queries()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var swarm = await npm.StartSwarmAsync(25);

        await swarm[^1].AnnounceAsync(InfoHash, port: 6000);
        var found = await swarm[1].LookupAsync(InfoHash);

        Assert.Equal(25, swarm.Select(n => n.Id).Distinct().Count());
        Assert.Equal(25, swarm.Select(n => n.EndPoint).Distinct().Count());
        Assert.Contains(PeerEndpoint.Parse("127.0.0.1:6000"), found.Peers);
        Assert.InRange(found.Queries, 1, found.QueriesAll);
    }

    [Fact]
    public async Task A_node_offered_with_AddNode_is_pinged_and_joins_the_table()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var a = await npm.StartNodeAsync();
        var b = await npm.StartNodeAsync();
        Assert.Empty(await a.NodesAsync());

        await a.AddNodeAsync(b.EndPoint);

        // The package adds the node when its pong arrives; each poll is one loopback round trip to
        // the driver, so the bound is a guard, not a timing assumption.
        IReadOnlyList<NpmRoutingEntry> table = [];
        for (int polls = 0; polls < 5000 && table.Count == 0; polls++)
        {
            table = await a.NodesAsync();
        }

        var entry = Assert.Single(table);
        Assert.Equal(b.Id, entry.Id);
        Assert.Equal(b.EndPoint, entry.EndPoint);
        Assert.Equal(1, (await b.StatsAsync()).Received.GetValueOrDefault("ping"));
    }

    [Fact]
    public void The_ping_query_is_the_bep5_example_bytes()
    {
        var id = NodeId.Parse("6162636465666768696a6b6c6d6e6f7071727374");
        var query = new byte[KrpcPing.QuerySize];

        int written = KrpcPing.Write(id, "aa"u8, query);

        Assert.Equal(56, written);
        Assert.Equal("d1:ad2:id20:abcdefghijklmnopqrste1:q4:ping1:t2:aa1:y1:qe", Encoding.ASCII.GetString(query));
        Assert.Throws<ArgumentException>(() => KrpcPing.Write(id, "a"u8, query));
        Assert.Throws<ArgumentException>(() => KrpcPing.Write(id, "aa"u8, new byte[55]));
    }

    [Fact]
    public async Task An_npm_node_answers_a_hand_built_ping()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var node = await npm.StartNodeAsync();

        byte[] reply = await KrpcPing.SendAsync(node.EndPoint);

        // Bencoded dictionary (BEP 3) whose keys sort r < t < y, so "y" = "r" closes it.
        string text = KrpcPing.Printable(reply);
        Assert.True(reply[0] == (byte)'d' && reply.AsSpan().EndsWith("1:y1:re"u8), $"not a KRPC response: {text}");
        Assert.True(reply.AsSpan().IndexOf("1:t2:aa"u8) > 0, $"transaction ID not echoed: {text}");
        Assert.True(reply.AsSpan().IndexOf([.. "2:id20:"u8, .. node.Id.ToArray()]) > 0, $"node ID {node.Id} not in: {text}");
    }

    [Fact]
    public async Task Addresses_outside_loopback_are_refused_on_both_sides()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var options = new NpmDhtNodeOptions { Bootstrap = [PeerEndpoint.Parse("192.0.2.1:6881")] };

        await Assert.ThrowsAsync<ArgumentException>(() => npm.StartNodeAsync(options));
        await Assert.ThrowsAsync<ArgumentException>(() => KrpcPing.SendAsync(PeerEndpoint.Parse("192.0.2.1:6881")));

        // A fake bootstrap node on loopback hands out a node at 192.0.2.1 (TEST-NET-1): the driver's
        // fence must refuse to query it instead of sending a datagram off the machine.
        using var fake = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fake.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var fakeEndPoint = PeerEndpoint.FromIPEndPoint((IPEndPoint)fake.LocalEndPoint!);
        var answered = AnswerOneFindNodeAsync(fake, IPAddress.Parse("192.0.2.1"), 6881);

        // 'ready' comes once the bootstrap lookup ended, i.e. after the fenced query timed out, so
        // the count below is final. The timeout is generous because a loaded test machine can be
        // slow to answer the first query, which would then be dropped as late.
        var node = await npm.StartNodeAsync(new NpmDhtNodeOptions
        {
            Bootstrap = [fakeEndPoint],
            QueryTimeout = TimeSpan.FromSeconds(1),
        });
        await answered;

        var stats = await node.StatsAsync();
        Assert.True(stats.Fenced >= 1, $"nothing fenced; stderr: {npm.StandardErrorText}");
        Assert.Contains("refused to send to 192.0.2.1:6881", npm.StandardErrorText);
    }

    [Fact]
    public async Task Commands_to_a_stopped_node_fail_with_the_drivers_reason()
    {
        await using var npm = await NpmDht.LaunchAsync();
        var node = await npm.StartNodeAsync();
        await node.StopAsync();

        var error = await Assert.ThrowsAsync<NpmDhtException>(() => node.LookupAsync(InfoHash));

        Assert.Contains("no running node", error.Message);
    }

    [Fact]
    public async Task A_command_the_driver_does_not_answer_times_out_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        await using var npm = await NpmDht.LaunchAsync(TimeSpan.FromSeconds(2), clock);
        // A bootstrap node that never answers keeps 'start' waiting for 'ready' (30 s query timeout).
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var starting = npm.StartNodeAsync(new NpmDhtNodeOptions
        {
            Bootstrap = [PeerEndpoint.FromIPEndPoint((IPEndPoint)silent.LocalEndPoint!)],
            QueryTimeout = TimeSpan.FromSeconds(30),
        });

        Waits.Until(() => clock.ActiveTimerCount > 0, "the command guard is armed");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(starting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1.5));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => starting);
        Assert.Contains("no reply to 'start'", error.Message);
    }

    /// <summary>
    /// Answers the first find_node with one compact node (BEP 5 "Compact node info": 20-byte ID,
    /// 4-byte IPv4, 2-byte port, big-endian), echoing the query's 2-byte transaction ID.
    /// </summary>
    private static async Task AnswerOneFindNodeAsync(Socket socket, IPAddress handedOut, int port)
    {
        var buffer = new byte[1500];
        // A guard so a node that never asks fails the test instead of hanging it.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), guard.Token).ConfigureAwait(false);
        var query = buffer.AsSpan(0, received.ReceivedBytes);
        Assert.True(query.IndexOf("1:q9:find_node"u8) > 0, $"expected find_node, got {KrpcPing.Printable(query)}");
        int t = query.IndexOf("1:t2:"u8);
        Assert.True(t > 0, $"no 2-byte transaction ID in {KrpcPing.Printable(query)}");

        var compact = new byte[26];
        NodeId.Random().WriteTo(compact);
        handedOut.GetAddressBytes().CopyTo(compact, 20);
        BinaryPrimitives.WriteUInt16BigEndian(compact.AsSpan(24), (ushort)port);
        byte[] reply =
        [
            .. "d1:rd2:id20:"u8, .. NodeId.Random().ToArray(), .. "5:nodes26:"u8, .. compact,
            .. "e1:t2:"u8, .. query.Slice(t + 5, 2), .. "1:y1:re"u8,
        ];
        await socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint).ConfigureAwait(false);
    }
}
