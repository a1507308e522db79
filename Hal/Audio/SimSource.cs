namespace PicoTalk.Hal.Audio;

/// <summary>
/// A simulated microphone for development machines and tests. It hears silence until told
/// otherwise: <see cref="PlayTone"/> makes it hear a continuous sine, and samples given to
/// <see cref="Enqueue"/> (speech, a test pattern) are heard first, in order, before the tone or the
/// silence resumes. Control methods may be called from any thread; <see cref="Read"/> runs on the
/// capture thread, paced by the (owned) pacer, and allocates nothing.
/// </summary>
public sealed class SimSource : IAudioSource
{
    private const int InitialQueueCapacity = AudioFormat.SampleRate; // one second

    private readonly AudioPacer? _pacer;
    private readonly Lock _gate = new();
    private short[] _queue = new short[InitialQueueCapacity];
    private int _queueHead;
    private int _queueCount;
    private double _toneStep;      // radians per sample; 0 = silence
    private double _toneAmplitude;
    private double _tonePhase;
    private long _framesRead;
    private volatile bool _disposed;

    public SimSource(int frameMs, AudioPacer? pacer = null)
    {
        FrameSamples = AudioFormat.SamplesPerFrame(frameMs);
        _pacer = pacer;
    }

    public int FrameSamples { get; }

    /// <summary>Samples queued by <see cref="Enqueue"/> and not yet read.</summary>
    public int QueuedSamples
    {
        get
        {
            lock (_gate)
            {
                return _queueCount;
            }
        }
    }

    public long FramesRead => Interlocked.Read(ref _framesRead);

    /// <summary>Hear a sine of <paramref name="frequencyHz"/> at <paramref name="amplitude"/> (peak, in sample units).</summary>
    public void PlayTone(double frequencyHz, double amplitude = 8000)
    {
        if (!(frequencyHz > 0 && frequencyHz < AudioFormat.SampleRate / 2.0))
        {
            throw new ArgumentOutOfRangeException(nameof(frequencyHz), frequencyHz, $"must be in (0, {AudioFormat.SampleRate / 2}) Hz");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(amplitude);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amplitude, short.MaxValue);
        lock (_gate)
        {
            _toneStep = 2 * Math.PI * frequencyHz / AudioFormat.SampleRate;
            _toneAmplitude = amplitude;
        }
    }

    /// <summary>Stop the tone: silence once the queue is empty.</summary>
    public void PlaySilence()
    {
        lock (_gate)
        {
            _toneStep = 0;
            _toneAmplitude = 0;
        }
    }

    /// <summary>Queue samples (48 kHz mono) to be heard after those already queued.</summary>
    public void Enqueue(ReadOnlySpan<short> samples)
    {
        lock (_gate)
        {
            if (_queueCount + samples.Length > _queue.Length)
            {
                Grow(_queueCount + samples.Length);
            }

            int tail = (_queueHead + _queueCount) % _queue.Length;
            int first = Math.Min(samples.Length, _queue.Length - tail);
            samples[..first].CopyTo(_queue.AsSpan(tail));
            samples[first..].CopyTo(_queue);
            _queueCount += samples.Length;
        }
    }

    /// <summary>Forget queued samples not yet heard.</summary>
    public void ClearQueue()
    {
        lock (_gate)
        {
            _queueHead = 0;
            _queueCount = 0;
        }
    }

    public bool Read(Span<short> frame)
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
            int fromQueue = Math.Min(frame.Length, _queueCount);
            int first = Math.Min(fromQueue, _queue.Length - _queueHead);
            _queue.AsSpan(_queueHead, first).CopyTo(frame);
            _queue.AsSpan(0, fromQueue - first).CopyTo(frame[first..]);
            _queueHead = (_queueHead + fromQueue) % _queue.Length;
            _queueCount -= fromQueue;
            FillTone(frame[fromQueue..]);
        }

        Interlocked.Increment(ref _framesRead);
        return !_disposed;
    }

    public void Dispose()
    {
        _disposed = true;
        _pacer?.Dispose();
    }

    private void FillTone(Span<short> rest)
    {
        if (_toneStep == 0)
        {
            rest.Clear();
            return;
        }

        for (int i = 0; i < rest.Length; i++)
        {
            rest[i] = (short)Math.Round(_toneAmplitude * Math.Sin(_tonePhase));
            _tonePhase += _toneStep;
        }

        // Keep the phase small so precision does not decay over hours of tone.
        _tonePhase %= 2 * Math.PI;
    }

    private void Grow(int needed)
    {
        int capacity = Math.Max(needed, _queue.Length * 2);
        var bigger = new short[capacity];
        int first = Math.Min(_queueCount, _queue.Length - _queueHead);
        _queue.AsSpan(_queueHead, first).CopyTo(bigger);
        _queue.AsSpan(0, _queueCount - first).CopyTo(bigger.AsSpan(first));
        _queue = bigger;
        _queueHead = 0;
    }
}
