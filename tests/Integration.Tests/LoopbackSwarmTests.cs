using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport.Dht;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// The <see cref="LoopbackSwarm"/> harness itself (issue 3's loopback network and interop test
/// stand on it): our nodes on real sockets join, find each other's announces, and leave no socket
/// behind; the receive path hands datagrams to the nodes without allocating.
/// </summary>
public sealed class LoopbackSwarmTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_swarm_joins_finds_every_announce_it_looks_for_and_closes_its_sockets()
    {
        const int Count = 64;
        var swarm = new LoopbackSwarm(Count);
        var endpoints = Enumerable.Range(0, Count).Select(swarm.EndpointOf).ToArray();
        try
        {
            await swarm.JoinAsync(timeout: Guard);

            var random = new Random(swarm.Seed);
            for (int i = 0; i < 16; i++)
            {
                int from = random.Next(Count), holder = (from + 1 + random.Next(Count - 1)) % Count;
                var peers = await swarm.LookupAsync(from, swarm.IdOf(holder), LookupKind.GetPeers).WaitAsync(Guard);
                var dial = await swarm.LookupEndpointsAsync(from, swarm.IdOf(holder)).WaitAsync(Guard);

                Assert.Contains(swarm.EndpointOf(holder), peers.Peers);
                Assert.True(peers.Stats.QueriesSent >= 1 && peers.Stats.Responses >= 1, $"lookup {i}: {peers.Stats}");
                Assert.Contains(swarm.EndpointOf(holder), dial.Endpoints());
            }

            var counters = await swarm.CountersAsync();
            Assert.Equal(0, counters.SendErrors);
            Assert.Equal(0, counters.ReceiveErrors);
            Assert.Equal(counters.Sent, counters.Received);
            Assert.Equal(0, swarm.Drops.Total);
            Assert.Null(swarm.LoopFault);
            Assert.Equal(Count, endpoints.Select(e => e.ToIPEndPoint().Address).Distinct().Count());
            Assert.All(endpoints, e => Assert.True(IPAddress.IsLoopback(e.ToIPEndPoint().Address), $"{e} is not loopback"));
        }
        finally
        {
            swarm.Dispose();
        }

        // Every port is free again: a UDP bind to a port still held fails with AddressAlreadyInUse.
        foreach (var endpoint in endpoints)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(endpoint.ToIPEndPoint());
        }
    }

    [Fact]
    public async Task The_receive_path_hands_datagrams_to_the_node_without_allocating()
    {
        const int Batch = 25, WarmUp = 20, Measured = 200;
        using var swarm = new LoopbackSwarm(1);
        await swarm.InvokeAsync(0, n => n.Table.Count);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var to = new SocketAddress(AddressFamily.InterNetwork);
        Assert.True(swarm.EndpointOf(0).TryWriteTo(to));
        // One byte over the KRPC limit: the node's first check drops it (counted, no parse), so
        // whatever is allocated per datagram is the harness's.
        var oversized = new byte[KrpcCodec.MaxMessageSize + 1];
        long sent = 0;
        Func<bool> allDropped = () => swarm.Drops[DropReason.Malformed] == sent;

        void SendBatches(int batches)
        {
            for (int b = 0; b < batches; b++)
            {
                // 25 datagrams of 1.5 KB (about 2.3 KB each in the kernel) fit the default 208 KB receive buffer, so none is lost.
                for (int i = 0; i < Batch; i++)
                {
                    sender.SendTo(oversized, SocketFlags.None, to);
                }

                sent += Batch;
                Assert.True(SpinWait.SpinUntil(allDropped, Guard), $"{swarm.Drops[DropReason.Malformed]} of {sent} datagrams reached the node");
            }
        }

        SendBatches(WarmUp);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        SendBatches(Measured);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // An IPEndPoint and its IPAddress per datagram alone would be over 70 bytes each; the
        // allowance covers other threads of the test host in the meantime (about 4 bytes per
        // datagram measured on an idle machine).
        const int Datagrams = Measured * Batch;
        output.WriteLine($"{allocated} bytes allocated in the process while {Datagrams} datagrams were received and handed over");
        Assert.True(allocated < Datagrams * 16, $"{allocated} bytes allocated for {Datagrams} datagrams");
    }
}
