using System.Diagnostics;
using System.Globalization;
using System.Net;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Bench;

/// <summary>
/// The room server in a process of its own, so that <see cref="RoomBench"/> can read its CPU from
/// /proc apart from the clients': the bench re-runs itself as <c>rooms --server-host</c>. The server
/// is the daemon's <see cref="RoomServer"/>, started as <c>picotalkd --room-server</c> starts it
/// (PicoTalkDaemon.StartRoomServer), on loopback with any free ports; only its clock differs: a
/// <see cref="TickTimingClock"/> that times every 32 ms mixer tick.
/// </summary>
/// <remarks>
/// Protocol on stdin/stdout, one line each: the host prints <c>room-host tcp=T udp=U</c> once
/// listening; <c>reset</c> starts a measured window; <c>stats</c> answers with
/// <see cref="TickStats.ToLine"/>; end of input stops the server and the process.
/// </remarks>
internal static class RoomServerHost
{
    public const string Flag = "--server-host";
    public const string ReadyPrefix = "room-host ";

    public static void Run()
    {
        var clock = new TickTimingClock();
        using var identity = X25519KeyPair.Generate();
        var server = new RoomServer(IPAddress.Loopback, new RoomServerPorts(0, 0, 0), identity, clock, line => Console.Error.WriteLine(line));
        server.Start();
        Console.WriteLine(FormattableString.Invariant($"{ReadyPrefix}tcp={server.TcpPort} udp={server.UdpPort}"));
        while (Console.ReadLine() is { } command)
        {
            switch (command)
            {
                case "reset":
                    clock.Reset();
                    break;
                case "stats":
                    Console.WriteLine(clock.Snapshot().ToLine());
                    break;
                default:
                    Console.Error.WriteLine($"room-host: unknown command '{command}'");
                    break;
            }
        }

        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>
/// The system clock, except that the callbacks of 32 ms periodic timers (the mixer's: RoomServer
/// creates one per room with period <see cref="AudioMixer.FrameInterval"/>) are timed from entry to
/// return. A tick returns once every member's mix is sealed and handed to the UDP socket (TCP
/// members' mixes are only queued for their writers then).
/// </summary>
internal sealed class TickTimingClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<double> _tickMs = [];
    private long _windowStart = Stopwatch.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period != AudioMixer.FrameInterval)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        return base.CreateTimer(
            s =>
            {
                long start = Stopwatch.GetTimestamp();
                callback(s);
                double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                lock (_gate)
                {
                    _tickMs.Add(ms);
                }
            },
            state,
            dueTime,
            period);
    }

    public void Reset()
    {
        lock (_gate)
        {
            _tickMs.Clear();
            _windowStart = Stopwatch.GetTimestamp();
        }
    }

    public TickStats Snapshot()
    {
        lock (_gate)
        {
            var sorted = _tickMs.Order().ToArray();
            double deadline = AudioMixer.FrameInterval.TotalMilliseconds;
            return new TickStats(
                sorted.Length,
                sorted.Count(ms => ms > deadline),
                Stopwatch.GetElapsedTime(_windowStart).TotalSeconds,
                sorted.Length == 0 ? 0 : sorted[sorted.Length / 2],
                sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))],
                sorted.Length == 0 ? 0 : sorted[^1]);
        }
    }
}

/// <summary>Mixer ticks in a window: how many ran, how many took longer than 32 ms, and their times.</summary>
internal sealed record TickStats(int Ticks, int Late, double Seconds, double MedianMs, double P99Ms, double MaxMs)
{
    /// <summary>Ticks a 32 ms timer owes in the window and did not run (started too late, or skipped by the timer).</summary>
    public int Missed => Math.Max(0, (int)Math.Floor(Seconds / AudioMixer.FrameInterval.TotalSeconds) - Ticks);

    public string ToLine() => string.Join(' ', new object[] { Ticks, Late, Seconds, MedianMs, P99Ms, MaxMs }
        .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));

    public static TickStats Parse(string line)
    {
        string[] f = line.Split(' ');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new TickStats(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), D(2), D(3), D(4), D(5));
    }
}
