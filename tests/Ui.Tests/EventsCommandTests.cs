using PicoTalk.Protocol.Control;
using PicoTalk.TestSupport;

namespace PicoTalk.Ui.Tests;

/// <summary><c>picotalk events</c> and the client's handling of odd daemons, against a scripted daemon.</summary>
public sealed class EventsCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const string Subscribed = """{"id":1,"ok":true,"result":{"subscribed":true}}""" + "\n";
    private const string StateEvent = """{"event":"state","data":{"was":"idle","on":"ring","now":"ringing_in"}}""";
    private const string RingEvent = """{"event":"ring","data":{"peer_id":"0123456789abcdef0123456789abcdef01234567","remote":"127.0.0.1:40000","name":"Gate"}}""";
    private const string EndedEvent = """{"event":"call_ended","data":{"reason":"rejected","message":"peer declined"}}""";
    private const string FutureEvent = """{"event":"chat","data":{"text":"hi"}}""";

    private readonly ScriptedDaemon _daemon = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public async Task Prints_each_event_until_the_daemon_closes()
    {
        var run = Start("events");
        Assert.Equal("""{"id":1,"cmd":"events"}""", await _daemon.ReadRequestAsync());
        await _daemon.SendAsync(Subscribed + StateEvent + "\n" + RingEvent + "\n" + EndedEvent + "\n" + FutureEvent + "\n");
        _daemon.CloseClient();

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Timeout));
        Assert.Equal(
            """
            state: idle -> ringing_in (on ring)
            ring: 0123456789abcdef0123456789abcdef01234567 at 127.0.0.1:40000 (Gate)
            call ended: rejected: peer declined
            chat: {"text":"hi"}

            """.ReplaceLineEndings("\n"),
            _stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Json_prints_one_event_object_per_line()
    {
        var run = Start("events", "--json");
        await _daemon.ReadRequestAsync();
        await _daemon.SendAsync(Subscribed + StateEvent + "\n" + RingEvent + "\n");
        _daemon.CloseClient();

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Timeout));
        Assert.Equal("{\"subscribed\":true}\n" + StateEvent + "\n" + RingEvent + "\n", _stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Cancellation_stops_watching_with_exit_0()
    {
        using var interrupt = new CancellationTokenSource();
        var stdout = new NotifyingWriter();
        var cli = new PicotalkCommandLine(stdout, _stderr, _ => null);
        var run = cli.RunAsync(["--control", _daemon.SocketPath, "events"], interrupt.Token);
        await _daemon.ReadRequestAsync();
        await _daemon.SendAsync(Subscribed + StateEvent + "\n");
        // Once the event is printed the client is watching; then the user presses Ctrl-C.
        await stdout.FirstWrite.WaitAsync(Timeout);
        interrupt.Cancel();

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Timeout));
        Assert.Equal("state: idle -> ringing_in (on ring)\n", stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public async Task A_request_id_is_echoed_and_other_lines_before_the_reply_are_skipped_or_kept()
    {
        var run = Start("hangup");
        Assert.Equal("""{"id":1,"cmd":"hangup"}""", await _daemon.ReadRequestAsync());
        // A stray reply to another id is ignored; an event before the reply is not printed.
        await _daemon.SendAsync("""{"id":9,"ok":true,"result":{"state":"idle"}}""" + "\n" + StateEvent + "\n"
            + """{"id":1,"ok":true,"result":{"state":"idle"}}""" + "\n");
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(Timeout));
        Assert.Equal("state: idle\n", _stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("not json\n", "sent an invalid line")]
    [InlineData("""{"id":1,"ok":true}""" + "\n", "sent an invalid line")]
    [InlineData("""{"id":1,"ok":true,"result":{"state":7}}""" + "\n", "sent a result this client cannot read")]
    [InlineData("", "closed the connection before replying")]
    public async Task A_broken_daemon_exits_2(string lines, string message)
    {
        var run = Start("hangup");
        await _daemon.ReadRequestAsync();
        await _daemon.SendAsync(lines);
        _daemon.CloseClient();
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await run.WaitAsync(Timeout));
        Assert.Contains(message, _stderr.ToString());
        Assert.Contains(_daemon.SocketPath, _stderr.ToString());
    }

    [Fact]
    public async Task A_daemon_that_never_replies_times_out_with_exit_2()
    {
        var time = new FakeTimeProvider(seed: 7);
        var cli = new PicotalkCommandLine(_stdout, _stderr, _ => null, time);
        var run = cli.RunAsync(["--control", _daemon.SocketPath, "status"]);
        await _daemon.ReadRequestAsync();
        Assert.False(run.IsCompleted);

        time.Advance(PicotalkCommandLine.ReplyTimeout);

        Assert.Equal(ExitCodes.UsageOrNoDaemon, await run.WaitAsync(Timeout));
        Assert.Contains($"picotalkd at {_daemon.SocketPath} did not reply within 30 s", _stderr.ToString());
    }

    /// <summary>A StringWriter that says when the first text arrives.</summary>
    private sealed class NotifyingWriter : StringWriter
    {
        private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstWrite => _firstWrite.Task;

        public override void Write(char value)
        {
            base.Write(value);
            _firstWrite.TrySetResult();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            _firstWrite.TrySetResult();
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            _firstWrite.TrySetResult();
        }
    }

    private Task<int> Start(params string[] args) =>
        new PicotalkCommandLine(_stdout, _stderr, _ => null).RunAsync(["--control", _daemon.SocketPath, .. args]);
}
