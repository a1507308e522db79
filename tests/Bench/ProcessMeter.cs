namespace PicoTalk.Bench;

/// <summary>
/// CPU time and resident memory of one running process, read from procfs (proc(5)), so that the
/// call bench measures our daemons and baresip the same way.
/// </summary>
internal sealed class ProcessMeter(int pid)
{
    /// <summary>USER_HZ: 100 on every Linux architecture this appliance runs on (proc(5), sysconf(_SC_CLK_TCK)).</summary>
    private const int ClockTicksPerSecond = 100;

    /// <summary>Zero-based index of utime among the fields after the command name in /proc/PID/stat (field 14 of proc(5)).</summary>
    private const int UtimeAfterComm = 11;

    /// <summary>stime, field 15 of proc(5).</summary>
    private const int StimeAfterComm = 12;

    /// <summary>
    /// The thread libpulse starts for its threaded main loop (pa_threaded_mainloop_new names it),
    /// in every process that plays through the ALSA pulse plugin: the output's own cost.
    /// </summary>
    public const string PulseThread = "threaded-ml";

    public int Pid { get; } = pid;

    /// <summary>
    /// The CPU seconds between two <see cref="ThreadCpuSeconds"/> readings of the threads that
    /// <paramref name="shown"/> picks (threads that live through the window), largest first, then
    /// "others": the rest of <paramref name="total"/>, so that threads that started or ended inside
    /// the window are counted there rather than lost or subtracted.
    /// </summary>
    public static IEnumerable<(string Thread, double Seconds)> ByThread(
        Dictionary<string, double> before, Dictionary<string, double> after, double total, Func<string, bool> shown)
    {
        var picked = after.Where(kv => shown(kv.Key))
            .Select(kv => (Thread: kv.Key, Seconds: kv.Value - before.GetValueOrDefault(kv.Key)))
            .OrderByDescending(x => x.Seconds)
            .ToList();
        return [.. picked, ("others", total - picked.Sum(x => x.Seconds))];
    }

    /// <summary>User + system CPU seconds of the whole process so far (/proc/PID/stat).</summary>
    public double CpuSeconds() => StatCpuSeconds(File.ReadAllText($"/proc/{Pid}/stat"));

    /// <summary>CPU seconds of the live threads, summed by thread name (/proc/PID/task/TID/stat and comm).</summary>
    public Dictionary<string, double> ThreadCpuSeconds()
    {
        var result = new Dictionary<string, double>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                result[comm] = result.GetValueOrDefault(comm) + StatCpuSeconds(stat);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }

        return result;
    }

    /// <summary>VmRSS (now) and VmHWM (peak) of /proc/PID/status, in bytes.</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return (rss, peak);
    }

    private static double StatCpuSeconds(string stat)
    {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[UtimeAfterComm]) + long.Parse(fields[StimeAfterComm]);
        return ticks / (double)ClockTicksPerSecond;
    }

    /// <summary>"VmRSS:	   17452 kB": the kernel prints these in kibibytes.</summary>
    private static long Kilobytes(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}
