using System.Text;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Tests.Control;

/// <summary>The control protocol over plain streams, with no socket (STYLE.md 11).</summary>
public sealed class ControlConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Answers_pipelined_requests_in_order()
    {
        var (handler, lines) = await RunAsync(
            """{"id":1,"cmd":"id"}""",
            """{"id":2,"cmd":"answer"}""",
            """{"id":3,"cmd":"status"}""");
        Assert.Equal(
        [
            $$$"""{"id":1,"ok":true,"result":{"id":"{{{FakeControlHandler.OwnId}}}"}}""",
            """{"id":2,"ok":false,"error":{"code":"invalid_state","message":"nothing is ringing"}}""",
            $$$$"""{"id":3,"ok":true,"result":{"state":"idle","id":"{{{{FakeControlHandler.OwnId}}}}","udp_port":5004,"version":"0.1.0","call":null,"drops":{},"dht":null,"uptime_seconds":0}}""",
        ], lines);
        Assert.Equal(["id", "answer", "status"], handler.Requests.Select(r => r.Cmd));
    }

    [Fact]
    public async Task Bad_lines_get_bad_request_and_the_connection_goes_on()
    {
        var (handler, lines) = await RunAsync(
            "garbage",
            """{"id":5}""",
            new string('x', ControlLimits.MaxLineBytes + 10),
            """{"id":6,"cmd":"id"}""");
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("""{"id":0,"ok":false,"error":{"code":"bad_request","message":"not a JSON object""", lines[0]);
        Assert.Equal("""{"id":5,"ok":false,"error":{"code":"bad_request","message":"missing cmd (a string)"}}""", lines[1]);
        Assert.Equal("""{"id":0,"ok":false,"error":{"code":"bad_request","message":"request line longer than 65536 bytes"}}""", lines[2]);
        Assert.StartsWith("""{"id":6,"ok":true""", lines[3]);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_throwing_handler_gives_internal_and_the_connection_goes_on()
    {
        var log = new List<string>();
        var (_, lines) = await RunAsync(log, """{"id":1,"cmd":"boom"}""", """{"id":2,"cmd":"id"}""");
        Assert.Equal("""{"id":1,"ok":false,"error":{"code":"internal","message":"'boom' failed: handler bug"}}""", lines[0]);
        Assert.StartsWith("""{"id":2,"ok":true""", lines[1]);
        Assert.Contains(log, l => l.Contains("handler bug"));
    }

    [Fact]
    public async Task The_reply_carries_the_request_id_whatever_the_handler_says()
    {
        var (_, lines) = await RunAsync("""{"id":7,"cmd":"wrong-id"}""");
        Assert.Equal("""{"id":7,"ok":true,"result":{"state":"idle"}}""", Assert.Single(lines));
    }

    [Fact]
    public async Task Events_is_answered_by_the_server_and_subscribes()
    {
        var handler = new FakeControlHandler();
        var output = new MemoryStream();
        var connection = new ControlConnection(Input("""{"id":1,"cmd":"events"}"""), output, handler, eventQueueCapacity: 4);
        Assert.False(connection.IsSubscribed);
        await connection.RunAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.True(connection.IsSubscribed);
        Assert.Empty(handler.Requests);
        Assert.Equal("""{"id":1,"ok":true,"result":{"subscribed":true}}""", Assert.Single(Lines(output)));
    }

    [Fact]
    public async Task Events_are_not_queued_before_subscribing()
    {
        var input = new BlockingInput();
        var output = new MemoryStream();
        var connection = new ControlConnection(input, output, new FakeControlHandler(), eventQueueCapacity: 2);
        var run = connection.RunAsync(CancellationToken.None);
        byte[] evt = ControlLines.Encode(ControlEvent.CallEnded(CallEndReasons.Hangup, ""));

        // Not subscribed: nothing is queued, and that is not an overflow either.
        for (int i = 0; i < 10; i++)
        {
            Assert.True(connection.TryEnqueueEvent(evt));
        }

        connection.Abort("test over");
        await run.WaitAsync(Timeout);
        Assert.Empty(Lines(output));
        // After the end, enqueueing is a no-op rather than a second drop.
        Assert.True(connection.TryEnqueueEvent(evt));
    }

    [Fact]
    public async Task A_subscriber_that_stops_reading_overflows_its_queue_and_abort_unblocks_it()
    {
        var input = new BlockingInput(Encoding.UTF8.GetBytes("""{"id":1,"cmd":"events"}""" + "\n"));
        var output = new StuckOutput();
        var connection = new ControlConnection(input, output, new FakeControlHandler(), eventQueueCapacity: 2, closeTransport: input.CloseInput);
        var run = connection.RunAsync(CancellationToken.None);
        await output.FirstWrite.WaitAsync(Timeout);
        Assert.True(connection.IsSubscribed);

        byte[] evt = ControlLines.Encode(ControlEvent.CallEnded(CallEndReasons.Hangup, ""));
        // Capacity 2, plus at most the one the pump holds while its write is stuck.
        var accepted = Enumerable.Range(0, 4).Select(_ => connection.TryEnqueueEvent(evt)).ToList();
        Assert.True(accepted[0] && accepted[1]);
        Assert.Contains(false, accepted);

        connection.Abort("event queue full");
        await run.WaitAsync(Timeout);
        Assert.Equal("""{"id":1,"ok":true,"result":{"subscribed":true}}""" + "\n", output.FirstLine);
    }

    [Fact]
    public async Task Abort_ends_a_connection_waiting_for_input_and_a_held_request()
    {
        var handler = new FakeControlHandler();
        var input = new BlockingInput(Encoding.UTF8.GetBytes("""{"id":1,"cmd":"hold"}""" + "\n"));
        var connection = new ControlConnection(input, new MemoryStream(), handler, eventQueueCapacity: 2, closeTransport: input.CloseInput);
        var run = connection.RunAsync(CancellationToken.None);
        connection.Abort("test");
        await run.WaitAsync(Timeout);
        Assert.True(input.Closed);
    }

    private static Task<(FakeControlHandler, List<string>)> RunAsync(params string[] requests) => RunAsync(null, requests);

    private static async Task<(FakeControlHandler, List<string>)> RunAsync(List<string>? log, params string[] requests)
    {
        var handler = new FakeControlHandler();
        var output = new MemoryStream();
        var connection = new ControlConnection(Input(requests), output, handler, eventQueueCapacity: 4, log: log is null ? null : log.Add);
        await connection.RunAsync(CancellationToken.None).WaitAsync(Timeout);
        return (handler, Lines(output));
    }

    private static MemoryStream Input(params string[] lines) =>
        new(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));

    private static List<string> Lines(MemoryStream output)
    {
        string text = Encoding.UTF8.GetString(output.ToArray());
        Assert.True(text.Length == 0 || text.EndsWith('\n'));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>Output whose first write goes through and every later one hangs until canceled.</summary>
    private sealed class StuckOutput : Stream
    {
        private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _never = new();

        public Task FirstWrite => _firstWrite.Task;

        public string? FirstLine { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (FirstLine is null)
            {
                FirstLine = Encoding.UTF8.GetString(buffer.Span);
                return;
            }

            await _never.Task.WaitAsync(cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            _firstWrite.TrySetResult();
            return Task.CompletedTask;
        }

        public override void Flush() => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Input that yields its prefix, then waits (like an idle client) until closed or canceled.</summary>
    private sealed class BlockingInput(byte[]? prefix = null) : Stream
    {
        private readonly TaskCompletionSource<int> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private byte[]? _prefix = prefix;

        public bool Closed => _closed.Task.IsCompleted;

        public void CloseInput() => _closed.TrySetResult(0);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix is { } prefix)
            {
                _prefix = null;
                prefix.CopyTo(buffer);
                return prefix.Length;
            }

            return await _closed.Task.WaitAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
