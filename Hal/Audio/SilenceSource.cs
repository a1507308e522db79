namespace PicoTalk.Hal.Audio;

/// <summary>A capture device that hears nothing: zeros, one period per period (pacer owned).</summary>
public sealed class SilenceSource(int frameMs, AudioPacer? pacer = null) : IAudioSource
{
    private volatile bool _disposed;

    public int FrameSamples { get; } = AudioFormat.SamplesPerFrame(frameMs);

    public bool Read(Span<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"frame must be {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        if (_disposed || (pacer is not null && !pacer.WaitNext()))
        {
            return false;
        }

        frame.Clear();
        return !_disposed;
    }

    public void Dispose()
    {
        _disposed = true;
        pacer?.Dispose();
    }
}
