using PicoTalk.Service.Daemon;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Daemon;

public sealed class DaemonLogTests
{
    [Fact]
    public void UnderJournaldEveryLineCarriesThePriority()
    {
        var output = new StringWriter { NewLine = "\n" };
        var log = new DaemonLog(output, new FakeTimeProvider(1), journal: true);
        log.Error("loop: boom\n   at A()\r\n   at B()");
        log.Warn("one line");
        log.Info("info");
        Assert.Equal("<3>loop: boom\n<3>   at A()\n<3>   at B()\n<4>one line\n<6>info\n", output.ToString());
    }

    [Fact]
    public void OnATerminalLinesStartWithTheTimeAndLevel()
    {
        var output = new StringWriter { NewLine = "\n" };
        var log = new DaemonLog(output, new FakeTimeProvider(1), journal: false);
        log.Warn("careful");
        log.Plain("ready id=x");
        string[] lines = output.ToString().Split('\n');
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d\d\d warn  careful$", lines[0]);
        Assert.Equal("ready id=x", lines[1]);
    }
}
