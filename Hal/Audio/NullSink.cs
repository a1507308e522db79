namespace PicoTalk.Hal.Audio;

/// <summary>A playback device that discards everything, one period per period (pacer owned).</summary>
public sealed class NullSink(int frameMs, AudioPacer? pacer = null) : IAudioSink
{
    private volatile bool _disposed;

    public int FrameSamples { get; } = AudioFormat.SamplesPerFrame(frameMs);

    public bool Write(ReadOnlySpan<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"frame must be {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        return !_disposed && (pacer is null || pacer.WaitNext()) && !_disposed;
    }

    public void Dispose()
    {
        _disposed = true;
        pacer?.Dispose();
    }
}
