namespace PicoTalk.Hal.Audio.Dsp;

/// <summary>
/// Acoustic echo cancellation for a box whose speaker sits next to its microphone: speexdsp's MDF
/// adaptive filter (multidelay block frequency domain, Soo and Pang 1990, as speex_echo.h implements
/// it) learns the path from what the speaker played to what the microphone hears and subtracts its
/// estimate from each captured period.
/// </summary>
/// <remarks>
/// <para>Synchronous form: each call pairs a captured period with the period the speaker played at
/// the same time, so the echo tail to model is the acoustic delay plus the sound card's own buffering,
/// which <see cref="DefaultTailMilliseconds"/> covers. Not thread-safe; one instance per call.</para>
/// <para>Nothing is allocated per period: buffers are pinned in place for the native call.</para>
/// </remarks>
public sealed unsafe class EchoCanceller : IDisposable
{
    /// <summary>
    /// Echo tail modelled: 128 ms. speex_echo.h advises 100 to 500 ms ("a third of the reverberation
    /// time of the room"); a small intercom enclosure and a hallway sit at the short end, and the
    /// filter's cost grows with its length (6,144 taps at 48 kHz).
    /// </summary>
    public const int DefaultTailMilliseconds = 128;

    /// <summary>Shortest and longest tails accepted (a filter shorter than a period cannot converge usefully; longer than half a second only costs CPU).</summary>
    public const int MinTailMilliseconds = 20;

    /// <inheritdoc cref="MinTailMilliseconds"/>
    public const int MaxTailMilliseconds = 500;

    private readonly SpeexEchoHandle _state;

    public EchoCanceller(int frameSamples, int sampleRate = AudioFormat.SampleRate, int tailMilliseconds = DefaultTailMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 8000);
        if (tailMilliseconds is < MinTailMilliseconds or > MaxTailMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(tailMilliseconds), tailMilliseconds,
                $"the echo tail must be {MinTailMilliseconds} to {MaxTailMilliseconds} ms");
        }

        FrameSamples = frameSamples;
        int taps = sampleRate / 1000 * tailMilliseconds;
        _state = SpeexDspNative.speex_echo_state_init(frameSamples, taps);
        if (_state.IsInvalid)
        {
            throw new InvalidOperationException("speex_echo_state_init failed");
        }

        // Without it the canceller tunes its filters for 8 kHz.
        int rate = sampleRate;
        SpeexDspNative.speex_echo_ctl(_state, SpeexDspNative.EchoSetSamplingRate, &rate);
    }

    /// <summary>The native state, for the preprocessor's residual echo suppression.</summary>
    internal SpeexEchoHandle State => _state;

    /// <summary>Samples in every span passed to <see cref="Process"/>.</summary>
    public int FrameSamples { get; }

    /// <summary>
    /// Writes to <paramref name="output"/> the captured period with the echo of
    /// <paramref name="played"/> removed. <paramref name="output"/> must not overlap the inputs
    /// (speexdsp reads <c>rec</c> while it writes <c>out</c>).
    /// </summary>
    public void Process(ReadOnlySpan<short> captured, ReadOnlySpan<short> played, Span<short> output)
    {
        if (captured.Length != FrameSamples || played.Length != FrameSamples || output.Length != FrameSamples)
        {
            throw new ArgumentException($"every span must hold one period of {FrameSamples} samples");
        }

        fixed (short* rec = captured)
        fixed (short* play = played)
        fixed (short* outp = output)
        {
            SpeexDspNative.speex_echo_cancellation(_state, rec, play, outp);
        }
    }

    /// <summary>Forgets the learnt echo path (a new call, another output device).</summary>
    public void Reset() => SpeexDspNative.speex_echo_state_reset(_state);

    public void Dispose() => _state.Dispose();
}
