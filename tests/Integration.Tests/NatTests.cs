using System.Diagnostics;
using System.Text.Json;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Facts;
using PicoTalk.TestSupport.Net;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 3's network-namespace tests with real <c>picotalkd</c> processes: LAN discovery across a
/// veth LAN with no bootstrap; a callee behind a port-restricted NAT (nftables masquerade) reached by
/// relayed hole punching, and not reached without it; both ends behind symmetric NAT ("masquerade
/// fully-random") failing at once with the reason. The lab (<see cref="NetworkLab"/>) creates and
/// removes its namespaces; nothing is sent outside them.
/// </summary>
public sealed class NatTests(ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>The routers' UDP conntrack timeout in the NAT test: an idle mapping is gone after this.</summary>
    private const int NatUdpTimeoutSeconds = 2;

    private readonly TempDirectory _dir = new("picotalk-nat-");
    private readonly List<DaemonProcess> _daemons = new();
    private readonly List<EventStream> _events = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var e in _events)
        {
            await e.DisposeAsync();
        }

        foreach (var d in _daemons)
        {
            await d.DisposeAsync();
        }

        _dir.Dispose();
    }

    [NetworkLabFact]
    public async Task Two_appliances_on_one_lan_find_each_other_without_a_bootstrap_and_call_by_id()
    {
        await using var lab = new NetworkLab();
        var lan = lab.AddLan("lan", "10.231.1.0/24");
        var x = lab.AddHost("x");
        var y = lab.AddHost("y");
        lan.Connect(x);
        lan.Connect(y);

        await Guarded(lab, async () =>
        {
            var a = await Start(x, "x", "--lan-interfaces", "eth0");
            var b = await Start(y, "y", "--lan-interfaces", "eth0");
            var sw = Stopwatch.StartNew();
            await CallAsync(a, b, answer: false);
            await CallAsync(b, a, answer: false);
            output.WriteLine($"LAN: both directions rang within {sw.Elapsed.TotalSeconds:0.0} s of the second daemon's start");
        });
    }

    [NetworkLabFact]
    public async Task A_callee_behind_a_port_restricted_nat_is_reached_by_hole_punching_and_not_without()
    {
        await using var lab = new NetworkLab();
        var internet = lab.AddLan("net", "10.231.2.0/24");
        var home = lab.AddLan("home", "192.168.231.0/24");
        var router = lab.AddNatRouter("rc", home, internet, NatKind.PortRestrictedCone);
        await SetUdpTimeout(router, NatUdpTimeoutSeconds);
        var (hb, hp, ha) = (lab.AddHost("b"), lab.AddHost("p"), lab.AddHost("a"));
        var (hc, hd) = (lab.AddHost("c"), lab.AddHost("d"));
        foreach (var h in new[] { hb, hp, ha })
        {
            internet.Connect(h);
        }

        home.Connect(hc);
        home.Connect(hd);

        await Guarded(lab, async () =>
        {
            var b = await Start(hb, "b");
            string bootstrap = $"{hb.Address}:{b.UdpPort}";
            var p = await Start(hp, "p", "--bootstrap", bootstrap);
            // c punches; d is the control: the same NAT, punching off. Keepalives every second hold
            // their mappings toward b and p through the routers' 2 s UDP timeout.
            var c = await Start(hc, "c", "--bootstrap", bootstrap, "--nat-keepalive", "1");
            var d = await Start(hd, "d", "--bootstrap", bootstrap, "--nat-keepalive", "1", "--no-hole-punching");
            var behindNat = Stopwatch.StartNew();
            foreach (var callee in new[] { c, d })
            {
                var dht = await WaitForDhtAsync(callee, s => s.GetProperty("nat").GetString() == "endpoint_independent"
                    && s.GetProperty("announced_to").GetInt32() >= 2, "a cone NAT seen and the announce stored at b and p");
                Assert.Equal(router.Address, dht.GetProperty("external_address").GetString()!.Split(':')[0]);
            }

            var a = await Start(ha, "a", "--bootstrap", bootstrap);
            await WaitForDhtAsync(a, s => s.GetProperty("nat").GetString() == "none", "a sees its own public address");

            // The scenario's input, not synchronisation: the callees have sent nothing but keepalives
            // for longer than the router keeps an idle mapping, so without the keepalives b and p
            // could no longer reach them.
            var idle = TimeSpan.FromSeconds(2 * NatUdpTimeoutSeconds) - behindNat.Elapsed;
            if (idle > TimeSpan.Zero)
            {
                await Task.Delay(idle);
            }

            var sw = Stopwatch.StartNew();
            await CallAsync(a, c, answer: true);
            output.WriteLine($"cone NAT: rang, answered and audio both ways in {sw.Elapsed.TotalSeconds:0.0} s");

            // Without the punch the router drops every datagram of a's handshake: the call times out.
            var aEvents = await Events(a);
            var dEvents = await Events(d);
            sw.Restart();
            Assert.Equal(0, (await a.CliAsync("dial", d.Id)).ExitCode);
            var ended = await aEvents.WaitForAsync("call_ended", timeout: Generous);
            output.WriteLine($"no punching: {ended} after {sw.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal("timeout", ended.GetProperty("reason").GetString());
            Assert.DoesNotContain("\"ring\"", dEvents.Seen);
        });
    }

    [NetworkLabFact]
    public async Task Both_ends_behind_symmetric_nat_fail_fast_with_the_reason_and_a_public_caller_gets_through()
    {
        await using var lab = new NetworkLab();
        var internet = lab.AddLan("net", "10.231.3.0/24");
        var homeA = lab.AddLan("ha", "192.168.232.0/24");
        var homeC = lab.AddLan("hc", "192.168.233.0/24");
        lab.AddNatRouter("ra", homeA, internet, NatKind.Symmetric);
        lab.AddNatRouter("rc", homeC, internet, NatKind.Symmetric);
        var (hb, hp, ha, hc) = (lab.AddHost("b"), lab.AddHost("p"), lab.AddHost("a"), lab.AddHost("c"));
        var hq = lab.AddHost("q");
        internet.Connect(hb);
        internet.Connect(hp);
        internet.Connect(hq);
        homeA.Connect(ha);
        homeC.Connect(hc);

        await Guarded(lab, async () =>
        {
            var b = await Start(hb, "b");
            string bootstrap = $"{hb.Address}:{b.UdpPort}";
            await Start(hp, "p", "--bootstrap", bootstrap);
            var c = await Start(hc, "c", "--bootstrap", bootstrap);
            await WaitForDhtAsync(c, s => s.GetProperty("nat").GetString() == "endpoint_dependent"
                && s.GetProperty("announced_to").GetInt32() >= 1, "c's symmetric NAT seen and its announce stored");
            var a = await Start(ha, "a", "--bootstrap", bootstrap);
            await WaitForDhtAsync(a, s => s.GetProperty("nat").GetString() == "endpoint_dependent", "a's symmetric NAT seen");

            var events = await Events(a);
            var sw = Stopwatch.StartNew();
            Assert.Equal(0, (await a.CliAsync("dial", c.Id)).ExitCode);
            var ended = await events.WaitForAsync("call_ended", timeout: Generous);
            var elapsed = sw.Elapsed;
            output.WriteLine($"symmetric both ends: {ended} after {elapsed.TotalSeconds:0.00} s");
            Assert.Equal("unreachable", ended.GetProperty("reason").GetString());
            Assert.Contains("both ends are behind symmetric NAT", ended.GetProperty("message").GetString());
            // Well before the 5 s handshake timeout, let alone a retry at a second address.
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");

            // A public caller reaches the same symmetric callee: c's punch ping comes from the port
            // its NAT opened for q (not the announced one), and q's handshake moves there.
            var q = await Start(hq, "q", "--bootstrap", bootstrap);
            await WaitForDhtAsync(q, s => s.GetProperty("nat").GetString() == "none", "q sees its own public address");
            sw.Restart();
            await CallAsync(q, c, answer: true);
            output.WriteLine($"public caller to symmetric callee: rang, answered and audio both ways in {sw.Elapsed.TotalSeconds:0.0} s");
        });
    }

    private async Task<DaemonProcess> Start(Host host, string name, params string[] args)
    {
        var daemon = await DaemonProcess.StartInAsync(host, Path.Combine(_dir.Path, name), args);
        _daemons.Add(daemon);
        return daemon;
    }

    private async Task<EventStream> Events(DaemonProcess daemon)
    {
        var events = await EventStream.OpenAsync(daemon);
        _events.Add(events);
        return events;
    }

    /// <summary>Dials by ID alone, waits for the ring; with <paramref name="answer"/>, answers and waits for audio both ways; then hangs up.</summary>
    private async Task CallAsync(DaemonProcess caller, DaemonProcess callee, bool answer)
    {
        var callerEvents = await Events(caller);
        var calleeEvents = await Events(callee);
        var dial = await caller.CliAsync("dial", callee.Id);
        Assert.True(dial.ExitCode == 0, dial.ToString());
        var ring = await calleeEvents.WaitForAsync("ring", timeout: Generous);
        Assert.Equal(caller.Id, ring.GetProperty("peer_id").GetString());
        if (answer)
        {
            Assert.Equal(0, (await callee.CliAsync("answer")).ExitCode);
            await callerEvents.WaitForStateAsync("in_call", Generous);
            foreach (var side in new[] { caller, callee })
            {
                var media = await WaitForStatusAsync(side, s => s.GetProperty("call") is { ValueKind: JsonValueKind.Object } call
                    && call.GetProperty("media").GetProperty("frames_received").GetInt64() > 0, "audio frames received");
                output.WriteLine($"media at {side.Id[..8]}: {media.GetProperty("call").GetProperty("media")}");
            }
        }

        Assert.Equal(0, (await caller.CliAsync("hangup")).ExitCode);
        await callerEvents.WaitForStateAsync("idle", Generous);
        await calleeEvents.WaitForStateAsync("idle", Generous);
    }

    private static Task<JsonElement> WaitForDhtAsync(DaemonProcess daemon, Func<JsonElement, bool> condition, string what) =>
        WaitForStatusAsync(daemon, s => s.GetProperty("dht") is { ValueKind: JsonValueKind.Object } dht && condition(dht), what)
            .ContinueWith(t => t.Result.GetProperty("dht"), TaskScheduler.Default);

    /// <summary>Asks <c>picotalk status --json</c> until <paramref name="condition"/> holds; each ask is a process start, which paces the loop.</summary>
    private static async Task<JsonElement> WaitForStatusAsync(DaemonProcess daemon, Func<JsonElement, bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed < Generous)
        {
            var result = await daemon.CliAsync("status", "--json");
            last = result.Stdout;
            if (result.ExitCode == 0)
            {
                var status = JsonDocument.Parse(result.Stdout).RootElement.Clone();
                if (condition(status))
                {
                    return status;
                }
            }
        }

        throw new TimeoutException($"{daemon.Id[..8]}: not {what} within {Generous.TotalSeconds} s; last status: {last}\n{daemon.Output}");
    }

    /// <summary>conntrack's UDP timeouts are per network namespace (nf_conntrack sysctl(7) entries): only this router's change.</summary>
    private static async Task SetUdpTimeout(Router router, int seconds)
    {
        var set = await router.RunAsync("sysctl", "-w", $"net.netfilter.nf_conntrack_udp_timeout={seconds}",
            $"net.netfilter.nf_conntrack_udp_timeout_stream={seconds}");
        Assert.True(set.Succeeded, set.ToString());
    }

    /// <summary>Runs the test body; on failure prints every daemon's output first.</summary>
    private async Task Guarded(NetworkLab lab, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            output.WriteLine($"lab {lab.Prefix}");
            foreach (var d in _daemons)
            {
                output.WriteLine($"--- {d.StateDirectory} ({d.Id}) ---\n{d.Output}");
            }

            throw;
        }
    }
}
