namespace PicoTalk.Protocol.Control;

/// <summary>What <see cref="ControlLineReader.ReadLineAsync"/> found.</summary>
public enum ControlLineKind
{
    /// <summary>A complete line (newline stripped), or the unterminated last line before the end.</summary>
    Line,

    /// <summary>
    /// A line grew past the limit. Reported once, as soon as it is seen; the rest of that line, up
    /// to its newline, is skipped without being buffered.
    /// </summary>
    TooLong,

    /// <summary>The stream ended.</summary>
    End,
}

/// <summary>One result of <see cref="ControlLineReader.ReadLineAsync"/>; <see cref="Bytes"/> is valid until the next read.</summary>
public readonly record struct ControlLine(ControlLineKind Kind, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// Splits a byte stream into '\n'-terminated lines of at most a fixed length, in one buffer that
/// never grows. It tells "incomplete" (keep reading) from "invalid" (too long) as STYLE.md 2 asks,
/// so a client that never sends a newline costs the daemon one buffer and an error reply.
/// Not thread-safe: one reader per connection.
/// </summary>
public sealed class ControlLineReader
{
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private bool _skipping;
    private bool _ended;

    public ControlLineReader(Stream stream, int maxLineBytes = ControlLimits.MaxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        // One spare byte: a full buffer with no newline in it is then certainly over the limit.
        _buffer = new byte[maxLineBytes + 1];
    }

    public async ValueTask<ControlLine> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, ControlLines.NewLine, _start, _end - _start);
            if (newline >= 0)
            {
                int lineStart = _start;
                _start = newline + 1;
                if (_skipping)
                {
                    _skipping = false;
                    continue;
                }

                return new ControlLine(ControlLineKind.Line, _buffer.AsMemory(lineStart, newline - lineStart));
            }

            if (_skipping)
            {
                _start = _end = 0;
            }
            else if (_end - _start > _maxLineBytes)
            {
                _skipping = true;
                _start = _end = 0;
                return new ControlLine(ControlLineKind.TooLong, ReadOnlyMemory<byte>.Empty);
            }

            if (_ended)
            {
                if (!_skipping && _end > _start)
                {
                    int lineStart = _start;
                    _start = _end;
                    return new ControlLine(ControlLineKind.Line, _buffer.AsMemory(lineStart, _end - lineStart));
                }

                return new ControlLine(ControlLineKind.End, ReadOnlyMemory<byte>.Empty);
            }

            if (_start > 0)
            {
                // Move the partial line to the front so the free space is contiguous.
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
            }

            _end += read;
        }
    }
}
