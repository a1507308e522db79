namespace PicoTalk.Service.Daemon;

/// <summary>
/// The daemon's log: one line per message on standard output. Under systemd (JOURNAL_STREAM set)
/// each line starts with its sd-daemon(3) priority prefix ("&lt;6&gt;" info, "&lt;4&gt;" warning, "&lt;3&gt;"
/// error) so journald files it at the right level and adds its own timestamp; on a terminal it starts
/// with the time instead. The latest <see cref="RecentCapacity"/> lines are also kept in memory, with
/// their time and level, for the <c>log</c> command (the web page's diagnostics). Thread-safe.
/// </summary>
public sealed class DaemonLog
{
    private readonly TextWriter _out;
    private readonly TimeProvider _time;
    private readonly bool _journal;
    private readonly object _gate = new();
    private readonly (DateTimeOffset Time, string Level, string Message)[] _recent = new (DateTimeOffset, string, string)[RecentCapacity];
    private int _recentNext;
    private int _recentCount;

    /// <summary>How many lines <see cref="Recent"/> keeps (ui-spec: the <c>log</c> command's maximum).</summary>
    public const int RecentCapacity = 200;

    public DaemonLog(TextWriter output, TimeProvider time, bool journal)
    {
        _out = output;
        _time = time;
        _journal = journal;
    }

    public static DaemonLog ForConsole(TimeProvider time) =>
        new(Console.Out, time, !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM")));

    public void Info(string message) => Write(6, "info", message);

    public void Warn(string message) => Write(4, "warn", message);

    public void Error(string message) => Write(3, "error", message);

    /// <summary>A line scripts and tests parse (the ready line): no time prefix on a terminal.</summary>
    public void Plain(string message) => Write(5, null, message);

    private void Write(int priority, string? level, string message)
    {
        string line = _journal
            ? $"<{priority}>{message}"
            : level is null ? message : $"{_time.GetLocalNow():HH:mm:ss.fff} {level,-5} {message}";
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _recent[_recentNext] = (now, level ?? "info", message);
            _recentNext = (_recentNext + 1) % RecentCapacity;
            _recentCount = Math.Min(_recentCount + 1, RecentCapacity);
            _out.WriteLine(line);
            _out.Flush();
        }
    }

    /// <summary>The latest <paramref name="count"/> lines (at most <see cref="RecentCapacity"/>), oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset Time, string Level, string Message)> Recent(int count)
    {
        lock (_gate)
        {
            int n = Math.Clamp(count, 0, _recentCount);
            var lines = new (DateTimeOffset, string, string)[n];
            for (int i = 0; i < n; i++)
            {
                lines[i] = _recent[(_recentNext - n + i + RecentCapacity) % RecentCapacity];
            }

            return lines;
        }
    }
}
