using System.Text.Json;
using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 3's promise with real processes: eight <c>picotalkd</c> on loopback, bootstrapped from the
/// first one (LAN discovery off, so the DHT alone finds them), and every one dials every other by
/// its ID alone.
/// </summary>
public sealed class DialByIdTests(ITestOutputHelper output) : IDisposable
{
    private const int Count = 8;
    private readonly TempDirectory _dir = new("picotalk-dht-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Eight_appliances_each_dial_every_other_by_id_alone()
    {
        var daemons = new List<DaemonProcess>();
        var events = new List<EventStream>();
        try
        {
            var seed = await DaemonProcess.StartAsync(Path.Combine(_dir.Path, "0"), "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null");
            daemons.Add(seed);
            for (int i = 1; i < Count; i++)
            {
                daemons.Add(await DaemonProcess.StartAsync(Path.Combine(_dir.Path, i.ToString()), "--no-lan-discovery",
                    "--bootstrap", $"127.0.0.1:{seed.UdpPort}", "--audio-in", "silence", "--audio-out", "null"));
            }

            foreach (var d in daemons)
            {
                events.Add(await EventStream.OpenAsync(d));
            }

            for (int from = 0; from < Count; from++)
            {
                for (int to = 0; to < Count; to++)
                {
                    if (from != to)
                    {
                        await CallAsync(daemons[from], events[from], daemons[to], events[to], $"{from} -> {to}");
                    }
                }
            }
        }
        catch
        {
            for (int i = 0; i < daemons.Count; i++)
            {
                output.WriteLine($"--- daemon {i} ---\n{daemons[i].Output}");
            }

            throw;
        }
        finally
        {
            foreach (var e in events)
            {
                await e.DisposeAsync();
            }

            foreach (var d in daemons)
            {
                await d.DisposeAsync();
            }
        }
    }

    private async Task CallAsync(DaemonProcess caller, EventStream callerEvents, DaemonProcess callee, EventStream calleeEvents, string label)
    {
        var dial = await caller.CliAsync("dial", callee.Id);
        Assert.True(dial.ExitCode == 0, $"{label}: {dial}");
        var ring = await calleeEvents.WaitForAsync("ring", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(caller.Id, ring.GetProperty("peer_id").GetString());
        await callerEvents.WaitForStateAsync("ringing_out", TimeSpan.FromSeconds(30));
        var status = JsonDocument.Parse((await caller.CliAsync("status", "--json")).Stdout).RootElement;
        Assert.Equal(callee.Id, status.GetProperty("call").GetProperty("peer_id").GetString());
        output.WriteLine($"{label}: ringing via {status.GetProperty("call").GetProperty("remote").GetString()}");

        Assert.Equal(0, (await caller.CliAsync("hangup")).ExitCode);
        await callerEvents.WaitForStateAsync("idle");
        await calleeEvents.WaitForStateAsync("idle");
    }
}
