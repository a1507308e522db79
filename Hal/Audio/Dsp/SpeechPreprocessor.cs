namespace PicoTalk.Hal.Audio.Dsp;

/// <summary>
/// What the preprocessor does to each captured period; each part can be switched off in the config.
/// </summary>
public sealed record PreprocessorSettings
{
    /// <summary>Noise suppression (speexdsp's Ephraim-Malah MMSE estimator). On by default: a door
    /// intercom hears traffic, wind and fans.</summary>
    public bool NoiseSuppression { get; init; } = true;

    /// <summary>The most the noise is attenuated: -25 dB, a little under speexdsp's default of -15 so
    /// steady hum goes while speech keeps its consonants.</summary>
    public int NoiseSuppressDb { get; init; } = -25;

    /// <summary>Automatic gain control: brings a caller standing a metre off up to
    /// <see cref="AgcTarget"/>. Off by default, because it also lifts the room when nobody speaks.</summary>
    public bool AutomaticGain { get; init; }

    /// <summary>AGC's target level in sample units (speexdsp's default is 8000, about -12 dBFS).</summary>
    public int AgcTarget { get; init; } = 8000;

    /// <summary>Voice activity detection: periods judged not speech are reported as such.</summary>
    public bool VoiceActivity { get; init; }

    /// <summary>True when the preprocessor has anything to do.</summary>
    public bool Any => NoiseSuppression || AutomaticGain || VoiceActivity;
}

/// <summary>
/// speexdsp's preprocessor (speex_preprocess.h): noise suppression, automatic gain control and voice
/// activity detection on one captured period at a time, in place. Given the echo canceller it also
/// suppresses the residual echo the adaptive filter leaves (speex_preprocess.h,
/// SPEEX_PREPROCESS_SET_ECHO_STATE). Not thread-safe; nothing is allocated per period.
/// </summary>
public sealed unsafe class SpeechPreprocessor : IDisposable
{
    private readonly SpeexPreprocessHandle _state;
    private readonly EchoCanceller? _echo;

    /// <param name="echo">The canceller that runs before this preprocessor on the same periods, or
    /// null. It must outlive the preprocessor (the native state keeps a pointer to it).</param>
    public SpeechPreprocessor(int frameSamples, PreprocessorSettings settings, EchoCanceller? echo = null, int sampleRate = AudioFormat.SampleRate)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameSamples, 1);
        if (settings.NoiseSuppressDb is < -60 or > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.NoiseSuppressDb, "noise suppression must be -60 to 0 dB");
        }

        if (settings.AgcTarget is < 1000 or > 32000)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.AgcTarget, "the AGC target must be 1000 to 32000");
        }

        if (echo is not null && echo.FrameSamples != frameSamples)
        {
            throw new ArgumentException($"the echo canceller works on {echo.FrameSamples}-sample periods, not {frameSamples}", nameof(echo));
        }

        FrameSamples = frameSamples;
        Settings = settings;
        _echo = echo;
        _state = SpeexDspNative.speex_preprocess_state_init(frameSamples, sampleRate);
        if (_state.IsInvalid)
        {
            throw new InvalidOperationException("speex_preprocess_state_init failed");
        }

        Set(SpeexDspNative.PreprocessSetDenoise, settings.NoiseSuppression ? 1 : 0);
        Set(SpeexDspNative.PreprocessSetNoiseSuppress, settings.NoiseSuppressDb);
        Set(SpeexDspNative.PreprocessSetAgc, settings.AutomaticGain ? 1 : 0);
        Set(SpeexDspNative.PreprocessSetAgcTarget, settings.AgcTarget);
        Set(SpeexDspNative.PreprocessSetVad, settings.VoiceActivity ? 1 : 0);
        if (echo is not null)
        {
            bool added = false;
            echo.State.DangerousAddRef(ref added);
            nint pointer = echo.State.DangerousGetHandle();
            SpeexDspNative.speex_preprocess_ctl(_state, SpeexDspNative.PreprocessSetEchoState, (void*)pointer);
            echo.State.DangerousRelease();
        }
    }

    public int FrameSamples { get; }

    public PreprocessorSettings Settings { get; }

    /// <summary>Processes one period in place; returns the voice decision (always true without VAD).</summary>
    public bool Process(Span<short> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"a period is {FrameSamples} samples, got {frame.Length}", nameof(frame));
        }

        int voice;
        fixed (short* x = frame)
        {
            voice = SpeexDspNative.speex_preprocess_run(_state, x);
        }

        return !Settings.VoiceActivity || voice != 0;
    }

    public void Dispose()
    {
        if (_echo is not null && !_state.IsClosed)
        {
            // Detach before either state goes, so neither native object points at a freed one.
            SpeexDspNative.speex_preprocess_ctl(_state, SpeexDspNative.PreprocessSetEchoState, null);
        }

        _state.Dispose();
    }

    private void Set(int request, int value) => SpeexDspNative.speex_preprocess_ctl(_state, request, &value);
}
