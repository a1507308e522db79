using System.Globalization;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Systemd;

/// <summary>
/// Keeps systemd's watchdog (<c>WatchdogSec=</c>, systemd.service(5)) fed with <c>WATCHDOG=1</c>
/// from a timer that runs ON the daemon's event loop, every half of the timeout as
/// sd_watchdog_enabled(3) recommends. The loop owns all of the daemon's state, so the loop is what
/// must be proven alive: a work item that never returns (a deadlock, an endless loop) stops the
/// pings, and after the timeout the manager kills the daemon (SIGABRT) and <c>Restart=on-failure</c>
/// starts it again. A ping from a thread of its own would keep a hung daemon "healthy" for ever.
/// </summary>
public sealed class SystemdWatchdog : IDisposable
{
    /// <summary>sd_watchdog_enabled(3): the timeout in microseconds, decimal.</summary>
    public const string TimeoutVariable = "WATCHDOG_USEC";

    /// <summary>sd_watchdog_enabled(3): when set, only the process with this PID is watched.</summary>
    public const string PidVariable = "WATCHDOG_PID";

    /// <summary>Our choice: a timer needs a period; no manager asks for pings this close together.</summary>
    private static readonly TimeSpan MinimumPingInterval = TimeSpan.FromMilliseconds(1);

    private readonly SystemdNotifier _notifier;
    private readonly ITimer _timer;
    private long _pings;

    private SystemdWatchdog(EventLoop loop, SystemdNotifier notifier, TimeSpan timeout)
    {
        _notifier = notifier;
        Timeout = timeout;
        PingInterval = timeout / 2 < MinimumPingInterval ? MinimumPingInterval : timeout / 2;
        // The first ping at once: the manager's timer has run since the process was started.
        _timer = loop.CreateTimer(Ping, TimeSpan.Zero, PingInterval);
    }

    /// <summary>The manager's timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How often the loop pings: half of <see cref="Timeout"/>.</summary>
    public TimeSpan PingInterval { get; }

    /// <summary>Pings sent so far (for diagnostics and tests).</summary>
    public long Pings => Interlocked.Read(ref _pings);

    /// <summary>Starts pinging on <paramref name="loop"/> every half of <paramref name="timeout"/>.</summary>
    public static SystemdWatchdog Start(EventLoop loop, SystemdNotifier notifier, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        return new SystemdWatchdog(loop, notifier, timeout);
    }

    /// <summary>
    /// Starts the watchdog the manager asked for in this process's environment; null when it asked
    /// for none (or for another process) or when nobody listens. Throws
    /// <see cref="FormatException"/> when the variables are malformed.
    /// </summary>
    public static SystemdWatchdog? StartFromEnvironment(EventLoop loop, SystemdNotifier notifier)
    {
        var timeout = ParseTimeout(Environment.GetEnvironmentVariable(TimeoutVariable),
            Environment.GetEnvironmentVariable(PidVariable), Environment.ProcessId);
        return timeout is { } value && notifier.IsEnabled ? Start(loop, notifier, value) : null;
    }

    /// <summary>
    /// sd_watchdog_enabled(3) over the two variables' values: null (no watchdog) when
    /// <c>WATCHDOG_USEC</c> is unset, or when <c>WATCHDOG_PID</c> is set to another process (the
    /// variables were inherited from a parent the manager watches); the timeout otherwise.
    /// A value that is not a positive decimal integer throws <see cref="FormatException"/>, where
    /// sd_watchdog_enabled returns -EINVAL.
    /// </summary>
    public static TimeSpan? ParseTimeout(string? usec, string? pid, int currentPid)
    {
        if (usec is null)
        {
            return null;
        }

        if (pid is not null)
        {
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int watched) || watched <= 0)
            {
                throw new FormatException($"{PidVariable}={pid} is not a process ID");
            }

            if (watched != currentPid)
            {
                return null;
            }
        }

        // UINT64_MAX is systemd's USEC_INFINITY, "no timeout", never sent with a watchdog.
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out ulong microseconds)
            || microseconds == 0 || microseconds == ulong.MaxValue || microseconds > (ulong)TimeSpan.MaxValue.Ticks / 10)
        {
            throw new FormatException($"{TimeoutVariable}={usec} is not a timeout in microseconds");
        }

        return TimeSpan.FromTicks((long)microseconds * TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>On the loop: the proof that it still turns.</summary>
    private void Ping()
    {
        if (_notifier.Watchdog())
        {
            Interlocked.Increment(ref _pings);
        }
    }

    public void Dispose() => _timer.Dispose();
}
