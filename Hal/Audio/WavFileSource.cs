namespace PicoTalk.Hal.Audio;

/// <summary>
/// A capture device that plays a WAV file (48 kHz, 16-bit, mono or stereo; see <see cref="WavReader"/>)
/// as if it were a microphone. At the end of the file it starts again (<c>loop</c>) or
/// <see cref="Read"/> returns false; a last partial period is padded with silence. An empty file
/// that loops gives silence. The pacer (owned: disposed with the source) gives the real-time pace; a
/// null pacer reads as fast as asked (tests).
/// </summary>
public sealed class WavFileSource : IAudioSource
{
    private readonly WavReader _reader;
    private readonly AudioPacer? _pacer;
    private readonly bool _loop;
    private readonly Lock _gate = new();
    private volatile bool _disposed;
    private bool _ended;

    public WavFileSource(string path, int frameMs, AudioPacer? pacer = null, bool loop = true)
    {
        FrameSamples = AudioFormat.SamplesPerFrame(frameMs);
        _reader = WavReader.Open(path);
        _pacer = pacer;
        _loop = loop;
    }

    public int FrameSamples { get; }

    public string Path => _reader.Path;

    /// <summary>Times the file was started again from its first sample.</summary>
    public long Loops { get; private set; }

    public bool Read(Span<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"frame must be {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        if (_disposed || _ended || (_pacer is not null && !_pacer.WaitNext()))
        {
            return false;
        }

        lock (_gate)
        {
            // Dispose may close the file from another thread while this one waited.
            if (_disposed)
            {
                return false;
            }

            int filled = _reader.Read(frame);
            while (filled < frame.Length)
            {
                if (!_loop || _reader.SampleCount == 0)
                {
                    frame[filled..].Clear();
                    if (!_loop && filled == 0)
                    {
                        _ended = true;
                        return false;
                    }

                    _ended = !_loop;
                    return true;
                }

                _reader.Rewind();
                Loops++;
                filled += _reader.Read(frame[filled..]);
            }

            return true;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _pacer?.Dispose();
        lock (_gate)
        {
            _reader.Dispose();
        }
    }
}
