using PicoTalk.Service.Daemon;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Daemon;

/// <summary>The log's in-memory ring for the <c>log</c> command.</summary>
public sealed class DaemonLogRingTests
{
    [Fact]
    public void The_ring_keeps_the_latest_200_lines_oldest_first_with_time_and_level()
    {
        var time = new FakeTimeProvider();
        var log = new DaemonLog(TextWriter.Null, time, journal: false);
        var start = time.GetUtcNow();
        for (int i = 0; i < 250; i++)
        {
            if (i % 2 == 0)
            {
                log.Info($"line {i}");
            }
            else
            {
                log.Warn($"line {i}");
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        log.Error("last");
        var all = log.Recent(1000);
        Assert.Equal(DaemonLog.RecentCapacity, all.Count);
        Assert.Equal((start + TimeSpan.FromSeconds(51), "warn", "line 51"), all[0]);
        Assert.Equal((start + TimeSpan.FromSeconds(250), "error", "last"), all[^1]);
        Assert.Equal(["line 248", "line 249", "last"], log.Recent(3).Select(l => l.Message));
        Assert.Equal("info", log.Recent(3)[0].Level);
    }

    [Fact]
    public void Fewer_lines_than_asked_are_all_returned()
    {
        var log = new DaemonLog(TextWriter.Null, new FakeTimeProvider(), journal: false);
        log.Plain("ready id=x");
        Assert.Equal([("info", "ready id=x")], log.Recent(100).Select(l => (l.Level, l.Message)));
    }
}
