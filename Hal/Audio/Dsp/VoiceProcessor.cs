namespace PicoTalk.Hal.Audio.Dsp;

/// <summary>What a call does to the microphone's audio before it is encoded.</summary>
public sealed record VoiceProcessingSettings
{
    /// <summary>Acoustic echo cancellation: on by default, since an intercom's speaker sits next to its microphone.</summary>
    public bool EchoCancellation { get; init; } = true;

    /// <summary>Echo tail the canceller models (<see cref="EchoCanceller.DefaultTailMilliseconds"/>).</summary>
    public int EchoTailMilliseconds { get; init; } = EchoCanceller.DefaultTailMilliseconds;

    /// <summary>Noise suppression, AGC and voice activity.</summary>
    public PreprocessorSettings Preprocessor { get; init; } = new();

    /// <summary>With voice activity on, how long audio still goes out after the last speech: 300 ms,
    /// so word endings and short pauses are not cut.</summary>
    public int VoiceHangoverMilliseconds { get; init; } = 300;

    /// <summary>Everything off: the captured audio goes out as it came (tests that compare samples).</summary>
    public static VoiceProcessingSettings None { get; } = new()
    {
        EchoCancellation = false,
        Preprocessor = new PreprocessorSettings { NoiseSuppression = false, AutomaticGain = false, VoiceActivity = false },
    };
}

/// <summary>
/// The capture side's signal chain (DESIGN.md "Hardware abstraction"):
/// <code>
///  playback thread: period played ─▶ OnPlayed ─▶ PlaybackReference
///  capture thread:  period captured ─▶ echo canceller (with the oldest played period)
///                   ─▶ preprocessor (residual echo, noise, AGC, VAD) ─▶ voice gate ─▶ encoder
/// </code>
/// The gate, with voice activity on, replaces periods after <see cref="VoiceProcessingSettings.VoiceHangoverMilliseconds"/>
/// of no speech with silence, which Opus codes in a few bytes and the far end hears as quiet rather
/// than as the room. Nothing is allocated per period; <see cref="OnPlayed"/> and <see cref="Process"/>
/// may run on two threads, everything else on the capture thread.
/// </summary>
public sealed class VoiceProcessor : IDisposable
{
    private readonly EchoCanceller? _echo;
    private readonly SpeechPreprocessor? _preprocessor;
    private readonly PlaybackReference? _reference; // played periods; null without echo cancellation
    private readonly short[] _played;
    private readonly short[] _cleaned;
    private readonly int _hangoverPeriods;
    private int _sinceSpeech;

    public VoiceProcessor(int frameSamples, VoiceProcessingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        FrameSamples = frameSamples;
        Settings = settings;
        _played = new short[frameSamples];
        _cleaned = new short[frameSamples];
        int frameMs = frameSamples * 1000 / AudioFormat.SampleRate;
        _hangoverPeriods = Math.Max(1, settings.VoiceHangoverMilliseconds / Math.Max(1, frameMs));
        _sinceSpeech = _hangoverPeriods; // gated until the first speech
        try
        {
            if (settings.EchoCancellation)
            {
                _echo = new EchoCanceller(frameSamples, AudioFormat.SampleRate, settings.EchoTailMilliseconds);
                _reference = new PlaybackReference(frameSamples);
            }

            if (settings.Preprocessor.Any)
            {
                // With the canceller, the preprocessor also takes out the residual echo it leaves.
                // It is not run for that alone: its overlap-add hands each period back one period
                // late, a delay worth paying for noise suppression but not for the last few dB of echo.
                _preprocessor = new SpeechPreprocessor(frameSamples, settings.Preprocessor, _echo);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int FrameSamples { get; }

    public VoiceProcessingSettings Settings { get; }


    /// <summary>Periods replaced by silence because nobody spoke (voice activity on).</summary>
    public long GatedPeriods { get; private set; }

    /// <summary>Playback thread: the period just handed to the speaker.</summary>
    public void OnPlayed(ReadOnlySpan<short> played) => _reference?.Push(played);

    /// <summary>Capture thread: processes one captured period in place.</summary>
    /// <returns>False when the period was gated to silence (no speech for the hangover).</returns>
    public bool Process(Span<short> captured)
    {
        if (captured.Length != FrameSamples)
        {
            throw new ArgumentException($"a period is {FrameSamples} samples, got {captured.Length}", nameof(captured));
        }

        if (_echo is not null)
        {
            _reference!.Take(_played);
            _echo.Process(captured, _played, _cleaned);
            _cleaned.CopyTo(captured);
        }

        bool voice = _preprocessor?.Process(captured) ?? true;
        if (!Settings.Preprocessor.VoiceActivity)
        {
            return true;
        }

        _sinceSpeech = voice ? 0 : Math.Min(_sinceSpeech + 1, _hangoverPeriods);
        if (_sinceSpeech < _hangoverPeriods)
        {
            return true;
        }

        captured.Clear();
        GatedPeriods++;
        return false;
    }

    public void Dispose()
    {
        // The preprocessor points at the canceller's state: it goes first.
        _preprocessor?.Dispose();
        _echo?.Dispose();
    }
}
