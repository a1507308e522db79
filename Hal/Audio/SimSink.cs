namespace PicoTalk.Hal.Audio;

/// <summary>
/// A simulated speaker. It plays nothing but remembers what a test or the web page wants to know:
/// the RMS level of the last frame, how many frames were played and how many of them were not
/// silent (RMS at or above <see cref="SilenceThreshold"/>). The counters are read from any thread;
/// <see cref="Write"/> runs on the playback thread, paced by the (owned) pacer, and allocates nothing.
/// </summary>
public sealed class SimSink : IAudioSink
{
    /// <summary>Default threshold: RMS 64 is about -54 dBFS, well under speech and over codec noise.</summary>
    public const double DefaultSilenceThreshold = 64;

    private readonly AudioPacer? _pacer;
    private double _lastRms;
    private long _frames;
    private long _nonSilentFrames;
    private volatile bool _disposed;

    public SimSink(int frameMs, AudioPacer? pacer = null, double silenceThreshold = DefaultSilenceThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silenceThreshold);
        FrameSamples = AudioFormat.SamplesPerFrame(frameMs);
        _pacer = pacer;
        SilenceThreshold = silenceThreshold;
    }

    public int FrameSamples { get; }

    public double SilenceThreshold { get; }

    /// <summary>RMS (in sample units, 0..32768) of the last frame played.</summary>
    public double LastRms => Volatile.Read(ref _lastRms);

    public long Frames => Interlocked.Read(ref _frames);

    public long NonSilentFrames => Interlocked.Read(ref _nonSilentFrames);

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

        long sum = 0;
        foreach (short s in frame)
        {
            sum += s * s;
        }

        double rms = Math.Sqrt((double)sum / frame.Length);
        Volatile.Write(ref _lastRms, rms);
        if (rms >= SilenceThreshold)
        {
            Interlocked.Increment(ref _nonSilentFrames);
        }

        // Frames last, so a reader that sees N frames also sees their level and non-silent count.
        Interlocked.Increment(ref _frames);
        return !_disposed;
    }

    public void Dispose()
    {
        _disposed = true;
        _pacer?.Dispose();
    }
}
