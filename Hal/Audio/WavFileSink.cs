namespace PicoTalk.Hal.Audio;

/// <summary>
/// A playback device that records what it is given into a WAV file (48 kHz mono 16-bit). The
/// header is patched once per second of audio and on dispose, so a killed daemon leaves a
/// recording that plays up to the last second. Paced like a sound card by the (owned) pacer.
/// </summary>
public sealed class WavFileSink : IAudioSink
{
    private readonly WavWriter _writer;
    private readonly AudioPacer? _pacer;
    private readonly int _flushEveryFrames;
    private readonly Lock _gate = new();
    private volatile bool _disposed;
    private int _sinceFlush;

    public WavFileSink(string path, int frameMs, AudioPacer? pacer = null)
    {
        FrameSamples = AudioFormat.SamplesPerFrame(frameMs);
        _flushEveryFrames = 1000 / frameMs;
        _writer = new WavWriter(path);
        _pacer = pacer;
    }

    public int FrameSamples { get; }

    public string Path => _writer.Path;

    public long SamplesWritten => _writer.SamplesWritten;

    public bool Write(ReadOnlySpan<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"frame must be {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        if (_disposed || (_pacer is not null && !_pacer.WaitNext()))
        {
            return false;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _writer.Write(frame);
            if (++_sinceFlush >= _flushEveryFrames)
            {
                _writer.Flush();
                _sinceFlush = 0;
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
            _writer.Dispose();
        }
    }
}
