using System.Text;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Protocol.Tests.Control;

public sealed class ControlLineReaderTests
{
    [Fact]
    public async Task Splits_lines_and_returns_an_unterminated_last_line()
    {
        var reader = new ControlLineReader(new MemoryStream(Encoding.UTF8.GetBytes("a\nbc\n\nlast")));
        Assert.Equal("a", await NextLine(reader));
        Assert.Equal("bc", await NextLine(reader));
        Assert.Equal("", await NextLine(reader));
        Assert.Equal("last", await NextLine(reader));
        Assert.Equal(ControlLineKind.End, (await reader.ReadLineAsync()).Kind);
        Assert.Equal(ControlLineKind.End, (await reader.ReadLineAsync()).Kind);
    }

    [Fact]
    public async Task Reassembles_lines_split_across_reads()
    {
        var stream = new TrickleStream(Encoding.UTF8.GetBytes("first line\nsecond\n"), chunk: 3);
        var reader = new ControlLineReader(stream, maxLineBytes: 16);
        Assert.Equal("first line", await NextLine(reader));
        Assert.Equal("second", await NextLine(reader));
        Assert.Equal(ControlLineKind.End, (await reader.ReadLineAsync()).Kind);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Reports_a_too_long_line_once_and_resumes_after_its_newline(int chunk)
    {
        string input = "ok\n" + new string('x', 40) + "\n" + "12345678\n" + new string('y', 9) + "\nend\n";
        var reader = new ControlLineReader(new TrickleStream(Encoding.UTF8.GetBytes(input), chunk), maxLineBytes: 8);
        Assert.Equal("ok", await NextLine(reader));
        Assert.Equal(ControlLineKind.TooLong, (await reader.ReadLineAsync()).Kind);
        Assert.Equal("12345678", await NextLine(reader));
        Assert.Equal(ControlLineKind.TooLong, (await reader.ReadLineAsync()).Kind);
        Assert.Equal("end", await NextLine(reader));
        Assert.Equal(ControlLineKind.End, (await reader.ReadLineAsync()).Kind);
    }

    [Fact]
    public async Task A_too_long_line_that_never_ends_is_reported_before_the_end()
    {
        var reader = new ControlLineReader(new MemoryStream(new byte[100]), maxLineBytes: 8);
        Assert.Equal(ControlLineKind.TooLong, (await reader.ReadLineAsync()).Kind);
        Assert.Equal(ControlLineKind.End, (await reader.ReadLineAsync()).Kind);
    }

    private static async Task<string> NextLine(ControlLineReader reader)
    {
        var line = await reader.ReadLineAsync();
        Assert.Equal(ControlLineKind.Line, line.Kind);
        return Encoding.UTF8.GetString(line.Bytes.Span);
    }

    /// <summary>A read-only stream that hands out at most <c>chunk</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
