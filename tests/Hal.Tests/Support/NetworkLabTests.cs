using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PicoTalk.TestSupport.Facts;
using PicoTalk.TestSupport.Net;
namespace PicoTalk.Hal.Tests.Support;

/// <summary>
/// The lab itself: LAN unicast and multicast, the two NAT behaviours, and teardown. Sockets are
/// opened inside the namespaces in-process; one test also runs a tiny python3 echo program there.
/// The time limits below only stop a broken lab from hanging the suite.
/// </summary>
public class NetworkLabTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    // BEP 14 local service discovery group and port, as the appliance's LAN discovery uses.
    private static readonly IPEndPoint DiscoveryGroup = new(IPAddress.Parse("239.192.152.143"), 6771);

    private const string EchoProgram = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(sys.argv[1])))
        print("ready", flush=True)
        while True:
            data, peer = s.recvfrom(2048)
            print("from", peer[0], flush=True)
            s.sendto(b"echo " + data, peer)
        """;

    [NetworkLabFact]
    public async Task Two_hosts_on_one_lan_exchange_udp_both_ways_and_multicast_reaches_the_other()
    {
        await using var lab = new NetworkLab();
        var lan = lab.AddLan("lan", "10.77.1.0/24");
        var alice = lab.AddHost("alice");
        var bob = lab.AddHost("bob");
        lan.Connect(alice);
        lan.Connect(bob);
        Assert.NotEqual(alice.Address, bob.Address);
        Assert.True(lan.Subnet.Contains(alice.FirstAddress) && lan.Subnet.Contains(bob.FirstAddress));

        var addresses = await alice.RunAsync("ip", "-4", "-o", "address", "show");
        Assert.True(addresses.Succeeded, addresses.ToString());
        Assert.Contains(alice.Address + "/24", addresses.Stdout);
        Assert.DoesNotContain(bob.Address + "/", addresses.Stdout);

        var echo = bob.Start("python3", "-c", EchoProgram, "7000");
        await echo.WaitForLineAsync(line => line == "ready", Guard);
        using (var socket = alice.OpenUdpSocket())
        {
            await socket.SendToAsync(Encoding.ASCII.GetBytes("ping"), new IPEndPoint(bob.FirstAddress, 7000));
            var (text, from) = await ReceiveAsync(socket);
            Assert.Equal("echo ping", text);
            Assert.Equal(new IPEndPoint(bob.FirstAddress, 7000), from);
            await echo.WaitForLineAsync(line => line == $"from {alice.Address}", Guard);
        }

        using var listener = bob.OpenUdpSocket(DiscoveryGroup.Port);
        listener.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership,
            new MulticastOption(DiscoveryGroup.Address, bob.FirstAddress));
        using var announcer = alice.OpenUdpSocket();
        announcer.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
        await announcer.SendToAsync(Encoding.ASCII.GetBytes("BT-SEARCH"), DiscoveryGroup);
        var (announcement, announcedBy) = await ReceiveAsync(listener);
        Assert.Equal("BT-SEARCH", announcement);
        Assert.Equal(alice.FirstAddress, announcedBy.Address);
    }

    [NetworkLabFact]
    public async Task Port_restricted_cone_keeps_one_mapping_filters_strangers_and_lets_a_punched_hole_in()
    {
        await using var lab = new NetworkLab();
        var (router, inside, a, b, c) = BuildNat(lab, NatKind.PortRestrictedCone);
        using var insideSocket = inside.OpenUdpSocket();
        using var aSocket = a.OpenUdpSocket(7001);
        using var bSocket = b.OpenUdpSocket(7001);
        using var cSocket = c.OpenUdpSocket(7001);

        var mappedA = await SendAndObserveAsync(insideSocket, aSocket, a);
        Assert.Equal(router.OutsideAddress, mappedA.Address);
        await aSocket.SendToAsync(Encoding.ASCII.GetBytes("reply"), mappedA);
        var (reply, replyFrom) = await ReceiveAsync(insideSocket);
        Assert.Equal("reply", reply);
        Assert.Equal(new IPEndPoint(a.FirstAddress, 7001), replyFrom);

        var mappedB = await SendAndObserveAsync(insideSocket, bSocket, b);
        Assert.Equal(mappedA, mappedB);

        long droppedBefore = await router.CountUnsolicitedDropsAsync();
        await cSocket.SendToAsync(Encoding.ASCII.GetBytes("unsolicited"), mappedA);
        await WaitForDropAsync(router, droppedBefore);
        Assert.Equal(0, insideSocket.Available);

        var mappedC = await SendAndObserveAsync(insideSocket, cSocket, c);
        Assert.Equal(mappedA, mappedC);
        await cSocket.SendToAsync(Encoding.ASCII.GetBytes("through the hole"), mappedA);
        var (punched, punchedFrom) = await ReceiveAsync(insideSocket);
        Assert.Equal("through the hole", punched);
        Assert.Equal(new IPEndPoint(c.FirstAddress, 7001), punchedFrom);
    }

    [NetworkLabFact]
    public async Task Symmetric_nat_maps_each_destination_to_its_own_port()
    {
        await using var lab = new NetworkLab();
        var (router, inside, a, b, _) = BuildNat(lab, NatKind.Symmetric);
        using var insideSocket = inside.OpenUdpSocket();
        using var aSocket = a.OpenUdpSocket(7001);
        using var aOtherSocket = a.OpenUdpSocket(7002);
        using var bSocket = b.OpenUdpSocket(7001);

        var mapped = new[]
        {
            await SendAndObserveAsync(insideSocket, aSocket, a),
            await SendAndObserveAsync(insideSocket, bSocket, b),
            await SendAndObserveAsync(insideSocket, aOtherSocket, a),
        };
        Assert.All(mapped, endpoint => Assert.Equal(router.OutsideAddress, endpoint.Address));
        // Random ports: two of three may coincide (about 1 in 20,000), all three essentially never;
        // the cone router of the test above gives one port for all.
        Assert.True(mapped.Select(e => e.Port).Distinct().Count() > 1, $"one port for every destination: {mapped[0].Port}");
        Assert.Contains("masquerade fully-random", router.Ruleset);
    }

    [NetworkLabFact]
    public async Task Dispose_removes_every_namespace_and_link_and_kills_what_ran_inside()
    {
        var rootLinksBefore = LinkNames(await RunRootAsync("ip", "-o", "link", "show"));
        var lab = new NetworkLab();
        var (_, inside, _, _, _) = BuildNat(lab, NatKind.PortRestrictedCone);
        var sleeper = inside.Start("sleep", "600");
        var names = lab.NamespaceNames;
        Assert.Equal(7, names.Count);
        Assert.All(names, name => Assert.StartsWith(lab.Prefix, name));
        Assert.Equal(rootLinksBefore, LinkNames(await RunRootAsync("ip", "-o", "link", "show")));

        await lab.DisposeAsync();
        await lab.DisposeAsync();

        string listing = await RunRootAsync("ip", "netns", "list");
        Assert.DoesNotContain(lab.Prefix, listing);
        Assert.Empty(lab.NamespaceNames);
        Assert.True(sleeper.HasExited);
        Assert.Superset(LinkNames(await RunRootAsync("ip", "-o", "link", "show")), rootLinksBefore);
    }

    [NetworkLabFact]
    public async Task A_new_lab_deletes_namespaces_left_by_dead_processes_and_keeps_those_of_live_ones()
    {
        // pid_max + 1 can never be a process; pid 1 always is.
        int deadPid = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim()) + 1;
        string leftover = $"pt{deadPid}x1-h-leak";
        string alive = "pt1x1-h-keep";
        Process? orphan = null;
        try
        {
            await RunRootAsync("ip", "netns", "add", leftover);
            await RunRootAsync("ip", "netns", "add", alive);
            var started = Process.Start(new ProcessStartInfo("ip") { ArgumentList = { "netns", "exec", leftover, "sleep", "600" } })!;
            orphan = started;
            await WaitUntilAsync(async () => (await RunRootAsync("ip", "netns", "pids", leftover)).Contains(started.Id.ToString()),
                "the orphan runs inside the leftover namespace");

            await using (new NetworkLab())
            {
                string listing = await RunRootAsync("ip", "netns", "list");
                Assert.DoesNotContain(leftover, listing);
                Assert.Contains(alive, listing);
            }

            using var limit = new CancellationTokenSource(Guard);
            await started.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (orphan is { HasExited: false })
            {
                orphan.Kill();
            }

            orphan?.Dispose();
            string listing = await RunRootAsync("ip", "netns", "list");
            foreach (string name in new[] { leftover, alive }.Where(listing.Contains))
            {
                await RunRootAsync("ip", "netns", "del", name);
            }
        }
    }

    [NetworkLabFact]
    public async Task Bad_names_and_subnets_are_refused_with_a_clear_error()
    {
        await using var lab = new NetworkLab();
        lab.AddHost("alice");
        Assert.Contains("already has a host named", Assert.Throws<ArgumentException>(() => lab.AddHost("alice")).Message);
        Assert.Throws<ArgumentException>(() => lab.AddHost("Alice_1"));
        Assert.Throws<ArgumentException>(() => lab.AddHost("averyveryverylongname"));
        Assert.Contains("host bits", Assert.Throws<ArgumentException>(() => lab.AddLan("lan", "10.77.1.1/24")).Message);
        var lan = lab.AddLan("lan", "10.77.1.0/24");
        Assert.Throws<ArgumentException>(() => lab.AddNatRouter("nat", lan, lan, NatKind.Symmetric));
        Assert.Throws<InvalidOperationException>(() => lab.AddHost("bob").Address);
    }

    [Fact]
    public void Subnets_hand_out_hosts_from_the_bottom_and_routers_from_the_top_until_full()
    {
        var subnet = new Subnet("10.77.9.0/29");
        Assert.Equal(IPAddress.Parse("10.77.9.1"), subnet.TakeLow());
        Assert.Equal(IPAddress.Parse("10.77.9.6"), subnet.TakeHigh());
        Assert.True(subnet.Contains(IPAddress.Parse("10.77.9.7")));
        Assert.False(subnet.Contains(IPAddress.Parse("10.77.10.1")));
        for (int i = 0; i < 4; i++)
        {
            subnet.TakeLow();
        }

        Assert.Throws<InvalidOperationException>(() => subnet.TakeLow());
        Assert.Throws<ArgumentException>(() => new Subnet("10.77.9.0"));
        Assert.Throws<ArgumentException>(() => new Subnet("fd00::/64"));
        Assert.Throws<ArgumentException>(() => new Subnet("10.77.9.0/31"));
    }

    /// <summary>
    /// inside (10.77.1.0/24) - router - "internet" (10.77.100.0/24) with public hosts a, b, c.
    /// Seven namespaces: two LANs, the router, four hosts.
    /// </summary>
    private static (Router Router, Host Inside, Host A, Host B, Host C) BuildNat(NetworkLab lab, NatKind kind)
    {
        var home = lab.AddLan("home", "10.77.1.0/24");
        var internet = lab.AddLan("internet", "10.77.100.0/24");
        var inside = lab.AddHost("inside");
        home.Connect(inside);
        var router = lab.AddNatRouter("nat", home, internet, kind);
        var hosts = new[] { lab.AddHost("a"), lab.AddHost("b"), lab.AddHost("c") };
        foreach (var host in hosts)
        {
            internet.Connect(host);
        }

        return (router, inside, hosts[0], hosts[1], hosts[2]);
    }

    /// <summary>Sends from the inside socket to a public host's socket; returns the source the public host saw.</summary>
    private static async Task<IPEndPoint> SendAndObserveAsync(Socket from, Socket to, Host toHost)
    {
        var destination = new IPEndPoint(toHost.FirstAddress, ((IPEndPoint)to.LocalEndPoint!).Port);
        await from.SendToAsync(Encoding.ASCII.GetBytes("hello"), destination);
        var (text, seen) = await ReceiveAsync(to);
        Assert.Equal("hello", text);
        return seen;
    }

    private static async Task<(string Text, IPEndPoint From)> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[1500];
        using var limit = new CancellationTokenSource(Guard);
        try
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), limit.Token);
            return (Encoding.ASCII.GetString(buffer, 0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing arrived at {socket.LocalEndPoint} within {Guard.TotalSeconds} s");
        }
    }

    private static Task WaitForDropAsync(Router router, long before) =>
        WaitUntilAsync(async () => await router.CountUnsolicitedDropsAsync() > before,
            $"router {router.Name} dropped the unsolicited datagram; ruleset:\n{router.Ruleset}");

    /// <summary>Polls a condition that takes a process start to check, so the loop paces itself.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            if (await condition())
            {
                return;
            }
        }

        Assert.Fail($"timed out waiting until {what}");
    }

    private static async Task<string> RunRootAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Guard);
        await process.WaitForExitAsync(limit.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}, {await stderr}");
        return await stdout;
    }

    private static HashSet<string> LinkNames(string ipLinkOutput) =>
        ipLinkOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3)[1].Trim().Split('@')[0])
            .ToHashSet();
}
