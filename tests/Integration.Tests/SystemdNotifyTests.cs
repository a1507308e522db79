using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PicoTalk.TestSupport;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// A real <c>picotalkd</c> under a stand-in for systemd: the test binds the notification socket,
/// hands its path over in <c>NOTIFY_SOCKET</c> (with <c>WATCHDOG_USEC</c>) as the manager does for a
/// <c>Type=notify</c> unit, and reads what the daemon says (sd_notify(3)).
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new("picotalk-sdnotify");
    private readonly Socket _manager = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly byte[] _buffer = new byte[4096];

    public SystemdNotifyTests()
    {
        _manager.Bind(new UnixDomainSocketEndPoint(_dir.File("notify")));
    }

    public void Dispose()
    {
        _manager.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Reports_ready_feeds_the_watchdog_from_its_loop_and_reports_stopping_on_SIGTERM()
    {
        // 1 s: a ping every 500 ms (systemd's own minimum for WatchdogSec= is 1 µs; the unit uses 30 s).
        await using var daemon = await DaemonProcess.StartAsync(_dir.File("d"), new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = _dir.File("notify"),
            ["WATCHDOG_USEC"] = "1000000",
        }, "--audio-in", "silence", "--audio-out", "null");

        Assert.Equal("STATUS=starting", await ReceiveAsync(Wait));
        // READY comes once the daemon serves: the ready line has been printed (StartAsync waited for it).
        Assert.Equal($"READY=1\nSTATUS=ready, UDP port {daemon.UdpPort}, id {daemon.Id}", await ReceiveAsync(Wait));

        var clock = Stopwatch.StartNew();
        var pings = new List<TimeSpan>();
        var statuses = new List<string>();
        while (pings.Count < 4)
        {
            string? received = await ReceiveAsync(Wait);
            if (received is not null && received.StartsWith("STATUS=", StringComparison.Ordinal))
            {
                statuses.Add(received);
                continue;
            }

            Assert.Equal("WATCHDOG=1", received);
            pings.Add(clock.Elapsed);
        }

        // After READY the status follows the device and the call: up (or without network on a
        // machine that has none), idle.
        Assert.Contains(statuses, m => System.Text.RegularExpressions.Regex.IsMatch(m, $"^STATUS=(ready|degraded), idle, UDP port {daemon.UdpPort}$"));

        // The first ping goes at once; the next three at 500 ms steps, never as late as the timeout.
        // The steps are a fixed rate, not a delay after each ping: a ping held up by a busy machine
        // is followed by the next on time (56 ms later once, at load 30), so a single gap may be
        // short; three steps together may not (a daemon pinging too often would show here).
        for (int i = 1; i < pings.Count; i++)
        {
            var gap = pings[i] - pings[i - 1];
            Assert.True(gap < TimeSpan.FromSeconds(1), $"ping {i} came {gap.TotalMilliseconds:0} ms after the one before\n{daemon.Output}");
        }

        var steps = pings[^1] - pings[0];
        Assert.True(steps > TimeSpan.FromMilliseconds(900), $"three steps took {steps.TotalMilliseconds:0} ms, not about 1500\n{daemon.Output}");

        Assert.Contains("systemd watchdog: timeout 1 s", daemon.Output);
        Assert.Equal(0, await daemon.StopAsync(Wait));
        // Pings may still be queued ahead of it.
        string? message;
        do
        {
            message = await ReceiveAsync(Wait);
        }
        while (message == "WATCHDOG=1" || message?.StartsWith("STATUS=", StringComparison.Ordinal) == true);

        Assert.Equal("STOPPING=1", message);
    }

    [Fact]
    public async Task A_watchdog_meant_for_another_process_is_not_fed()
    {
        // WATCHDOG_PID names the process the manager watches; a child that inherited the variables
        // must stay quiet (sd_watchdog_enabled(3)). PID 1 is never the daemon.
        await using var daemon = await DaemonProcess.StartAsync(_dir.File("d"), new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = _dir.File("notify"),
            ["WATCHDOG_USEC"] = "200000",
            ["WATCHDOG_PID"] = "1",
        }, "--audio-in", "silence", "--audio-out", "null");

        Assert.Equal("STATUS=starting", await ReceiveAsync(Wait));
        Assert.StartsWith("READY=1\n", await ReceiveAsync(Wait));
        // Five whole timeouts without a ping (the status that follows READY may come).
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            string? message = await ReceiveAsync(TimeSpan.FromSeconds(1) - clock.Elapsed);
            Assert.True(message is null || message.StartsWith("STATUS=", StringComparison.Ordinal), $"unexpected '{message}'");
        }

        Assert.Equal(0, await daemon.StopAsync(Wait));
        Assert.Equal("STOPPING=1", await ReceiveAsync(Wait));
    }

    /// <summary>The next datagram from the daemon, or null when none comes within <paramref name="timeout"/>.</summary>
    private async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int length = await _manager.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(_buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
