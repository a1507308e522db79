using System.Runtime.InteropServices;

namespace PicoTalk.Hal.Audio.Dsp;

/// <summary>
/// The libspeexdsp entry points Hal uses (speex/speex_echo.h, speexdsp 1.2), one declaration each,
/// from Debian's libspeexdsp1. Sample buffers are raw pointers (<c>spx_int16_t</c> is a 16-bit
/// signed integer) so callers pin their spans with <c>fixed</c> and no marshalling stub allocates on
/// the per-frame path. <c>speex_echo_ctl</c> takes a <c>void*</c>, not variadic arguments.
/// </summary>
internal static unsafe partial class SpeexDspNative
{
    private const string Library = "libspeexdsp.so.1";

    // ---- Constants from speex/speex_echo.h ----

    /// <summary>SPEEX_ECHO_SET_SAMPLING_RATE (int*): the rate the canceller's tuning assumes; 8000 unless set.</summary>
    public const int EchoSetSamplingRate = 24;

    /// <summary>SPEEX_ECHO_GET_SAMPLING_RATE (int*).</summary>
    public const int EchoGetSamplingRate = 25;

    // ---- Constants from speex/speex_preprocess.h (int* unless noted) ----

    /// <summary>SPEEX_PREPROCESS_SET_DENOISE: 1 turns the Ephraim-Malah noise suppressor on.</summary>
    public const int PreprocessSetDenoise = 0;

    /// <summary>SPEEX_PREPROCESS_SET_AGC: 1 turns automatic gain control on (floating-point builds, as Debian's).</summary>
    public const int PreprocessSetAgc = 2;

    /// <summary>SPEEX_PREPROCESS_SET_VAD: 1 makes speex_preprocess_run return the voice decision.</summary>
    public const int PreprocessSetVad = 4;

    /// <summary>SPEEX_PREPROCESS_SET_NOISE_SUPPRESS: the most the noise is attenuated, in dB (negative).</summary>
    public const int PreprocessSetNoiseSuppress = 18;

    /// <summary>SPEEX_PREPROCESS_SET_ECHO_STATE (SpeexEchoState*): residual echo suppression after the canceller.</summary>
    public const int PreprocessSetEchoState = 24;

    /// <summary>SPEEX_PREPROCESS_SET_AGC_MAX_GAIN: the most gain AGC adds, in dB.</summary>
    public const int PreprocessSetAgcMaxGain = 30;

    /// <summary>SPEEX_PREPROCESS_SET_AGC_TARGET (int32): the level AGC aims at, in sample units.</summary>
    public const int PreprocessSetAgcTarget = 46;

    // ---- Preprocessor (speex_preprocess.h) ----

    [LibraryImport(Library)]
    internal static partial SpeexPreprocessHandle speex_preprocess_state_init(int frameSize, int samplingRate);

    [LibraryImport(Library)]
    internal static partial void speex_preprocess_state_destroy(nint state);

    /// <summary>Processes <paramref name="x"/> in place; returns 1 for speech, 0 for silence when VAD is on (else 1).</summary>
    [LibraryImport(Library)]
    internal static partial int speex_preprocess_run(SpeexPreprocessHandle state, short* x);

    [LibraryImport(Library)]
    internal static partial int speex_preprocess_ctl(SpeexPreprocessHandle state, int request, void* value);

    // ---- Acoustic echo canceller (speex_echo.h, the MDF algorithm) ----

    /// <param name="frameSize">Samples processed per call (the audio period).</param>
    /// <param name="filterLength">Samples of echo tail the adaptive filter models.</param>
    [LibraryImport(Library)]
    internal static partial SpeexEchoHandle speex_echo_state_init(int frameSize, int filterLength);

    [LibraryImport(Library)]
    internal static partial void speex_echo_state_destroy(nint state);

    /// <summary>Removes from <paramref name="rec"/> (the microphone) the echo of <paramref name="play"/> (what the speaker played); writes <paramref name="output"/>.</summary>
    [LibraryImport(Library)]
    internal static partial void speex_echo_cancellation(SpeexEchoHandle state, short* rec, short* play, short* output);

    [LibraryImport(Library)]
    internal static partial void speex_echo_state_reset(SpeexEchoHandle state);

    [LibraryImport(Library)]
    internal static partial int speex_echo_ctl(SpeexEchoHandle state, int request, int* value);
}

/// <summary>Owns a <c>SpeexEchoState*</c>.</summary>
internal sealed class SpeexEchoHandle : SafeHandle
{
    public SpeexEchoHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        SpeexDspNative.speex_echo_state_destroy(handle);
        return true;
    }
}

/// <summary>Owns a <c>SpeexPreprocessState*</c>.</summary>
internal sealed class SpeexPreprocessHandle : SafeHandle
{
    public SpeexPreprocessHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        SpeexDspNative.speex_preprocess_state_destroy(handle);
        return true;
    }
}
