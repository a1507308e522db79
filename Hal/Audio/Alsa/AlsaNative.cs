using System.Runtime.InteropServices;

namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>
/// The libasound entry points Hal uses, one declaration each, from Debian's libasound2 (alsa-lib
/// 1.2; signatures as in alsa/pcm.h, alsa/control.h and alsa/error.h, documented in "ALSA project -
/// the C library reference", modules PCM, PCM Hardware Parameters, PCM Software Parameters and Name
/// Hint Interface). <c>snd_pcm_uframes_t</c> is an <c>unsigned long</c> and
/// <c>snd_pcm_sframes_t</c> a <c>long</c>: <see cref="nuint"/> and <see cref="nint"/> on 64-bit and
/// 32-bit Linux alike. Sample buffers are raw pointers so callers pin their spans with <c>fixed</c>
/// and no marshalling stub allocates on the per-period path.
/// </summary>
/// <remarks>
/// alsa-lib's rule for threads ("SMP Design" on the ALSA wiki): the use of one handle must be
/// serialised by the application; only the open calls and handle-less functions are thread-safe.
/// <see cref="AlsaPcm"/> therefore calls a handle from one thread at a time.
/// </remarks>
internal static unsafe partial class AlsaNative
{
    /// <summary>The soname; Debian's package is named in <see cref="MissingLibraryMessage"/>.</summary>
    public const string Library = "libasound.so.2";

    public const string MissingLibraryMessage =
        "the ALSA library libasound.so.2 is not installed (Debian package libasound2: apt-get install libasound2)";

    // ---- Constants from alsa/pcm.h ----

    /// <summary>SND_PCM_STREAM_PLAYBACK (<c>snd_pcm_stream_t</c>).</summary>
    public const int StreamPlayback = 0;

    /// <summary>SND_PCM_STREAM_CAPTURE.</summary>
    public const int StreamCapture = 1;

    /// <summary>SND_PCM_ACCESS_RW_INTERLEAVED: the access snd_pcm_readi/snd_pcm_writei use.</summary>
    public const int AccessRwInterleaved = 3;

    /// <summary>SND_PCM_FORMAT_S16_LE: signed 16-bit little-endian.</summary>
    public const int FormatS16Le = 2;

    // ---- errno values the PCM I/O functions return negated (Linux asm-generic/errno*.h) ----

    /// <summary>EINTR: a signal interrupted a blocking call; snd_pcm_recover treats it as recoverable.</summary>
    public const int EINTR = 4;

    /// <summary>EAGAIN: no frames ready (only in non-blocking mode, which Hal does not use).</summary>
    public const int EAGAIN = 11;

    /// <summary>EBADFD: "PCM is not in the right state" (snd_pcm_start on a stream already running).</summary>
    public const int EBADFD = 77;

    /// <summary>EPIPE: "an overrun occurred" (capture) / "an underrun occurred" (playback) (snd_pcm_readi/writei).</summary>
    public const int EPIPE = 32;

    /// <summary>ESTRPIPE: "a suspend event occurred (stream is suspended and waiting for an application recovery)".</summary>
    public const int ESTRPIPE = 86;

    // ---- Opening and closing (PCM Interface) ----

    /// <param name="mode">0 for blocking I/O; SND_PCM_NONBLOCK (1) is not used.</param>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int snd_pcm_open(out nint pcm, string name, int stream, int mode);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_close(nint pcm);

    // ---- Hardware parameters (PCM Hardware Parameters) ----

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_malloc(out nint ptr);

    [LibraryImport(Library)]
    internal static partial void snd_pcm_hw_params_free(nint obj);

    /// <summary>Fills <paramref name="parameters"/> with the full configuration space of the PCM.</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_any(AlsaPcmHandle pcm, nint parameters);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_access(AlsaPcmHandle pcm, nint parameters, int access);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_format(AlsaPcmHandle pcm, nint parameters, int format);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_channels(AlsaPcmHandle pcm, nint parameters, uint channels);

    /// <param name="value">In: the rate wanted; out: the nearest rate the configuration space allows.</param>
    /// <param name="dir">In/out: sub-unit direction (-1, 0, 1); 0 asks for the exact value.</param>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_rate_near(AlsaPcmHandle pcm, nint parameters, ref uint value, ref int dir);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_period_size_near(AlsaPcmHandle pcm, nint parameters, ref nuint frames, ref int dir);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_set_buffer_size_near(AlsaPcmHandle pcm, nint parameters, ref nuint frames);

    /// <summary>Installs the chosen configuration and prepares the PCM (state SETUP → PREPARED).</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params(AlsaPcmHandle pcm, nint parameters);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_get_period_size(nint parameters, out nuint frames, out int dir);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_hw_params_get_buffer_size(nint parameters, out nuint frames);

    // ---- Software parameters (PCM Software Parameters) ----

    [LibraryImport(Library)]
    internal static partial int snd_pcm_sw_params_malloc(out nint ptr);

    [LibraryImport(Library)]
    internal static partial void snd_pcm_sw_params_free(nint obj);

    /// <summary>Reads the PCM's current software parameters (the defaults after hw_params).</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_sw_params_current(AlsaPcmHandle pcm, nint parameters);

    /// <summary>Frames queued (playback) or requested (capture) at which a PREPARED PCM starts by itself.</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_sw_params_set_start_threshold(AlsaPcmHandle pcm, nint parameters, nuint frames);

    /// <summary>Frames that must be available before snd_pcm_wait (poll) reports the PCM ready.</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_sw_params_set_avail_min(AlsaPcmHandle pcm, nint parameters, nuint frames);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_sw_params(AlsaPcmHandle pcm, nint parameters);

    // ---- Running (PCM Interface) ----

    [LibraryImport(Library)]
    internal static partial int snd_pcm_prepare(AlsaPcmHandle pcm);

    [LibraryImport(Library)]
    internal static partial int snd_pcm_start(AlsaPcmHandle pcm);

    /// <summary>Stops the PCM at once, dropping pending frames.</summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_drop(AlsaPcmHandle pcm);

    /// <summary>
    /// Waits until the PCM is ready (at least avail_min frames to read or room to write) or
    /// <paramref name="timeoutMs"/> passes. Returns 1 when ready, 0 on timeout, a negative error
    /// code otherwise (-EPIPE after an xrun, -ESTRPIPE when suspended).
    /// </summary>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_wait(AlsaPcmHandle pcm, int timeoutMs);

    /// <summary>Returns frames read (may be fewer than asked after a signal or an overrun) or a negative error code.</summary>
    [LibraryImport(Library)]
    internal static partial nint snd_pcm_readi(AlsaPcmHandle pcm, void* buffer, nuint frames);

    /// <summary>Returns frames written (may be fewer than asked) or a negative error code.</summary>
    [LibraryImport(Library)]
    internal static partial nint snd_pcm_writei(AlsaPcmHandle pcm, void* buffer, nuint frames);

    /// <summary>
    /// "Recover the stream state from an error or suspend": handles -EINTR, -EPIPE (prepares the
    /// PCM again) and -ESTRPIPE (resumes, or prepares if the device cannot resume); returns 0 when
    /// recovered, the error itself when it is none of those.
    /// </summary>
    /// <param name="silent">1: do not print the xrun to stderr (we count it instead).</param>
    [LibraryImport(Library)]
    internal static partial int snd_pcm_recover(AlsaPcmHandle pcm, int error, int silent);

    /// <summary>The message for an error code (a static string; not to be freed).</summary>
    [LibraryImport(Library)]
    internal static partial nint snd_strerror(int error);

    // ---- Name hints (Name Hint Interface, alsa/control.h) ----

    /// <param name="card">-1 for all cards.</param>
    /// <param name="iface">"pcm" for PCM devices.</param>
    /// <param name="hints">A NULL-terminated array of hint pointers, freed with snd_device_name_free_hint.</param>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int snd_device_name_hint(int card, string iface, out nint hints);

    [LibraryImport(Library)]
    internal static partial int snd_device_name_free_hint(nint hints);

    /// <summary>"NAME", "DESC" or "IOID" ("Input", "Output", NULL meaning both) of one hint, as a malloc'd string the caller frees, or NULL.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint snd_device_name_get_hint(nint hint, string id);

    /// <summary>snd_strerror as a managed string.</summary>
    public static string ErrorText(int error) => Marshal.PtrToStringUTF8(snd_strerror(error)) ?? $"error {error}";
}

/// <summary>Owns a <c>snd_pcm_t*</c>; closing it closes the device.</summary>
internal sealed class AlsaPcmHandle : SafeHandle
{
    public AlsaPcmHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public AlsaPcmHandle(nint pcm)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(pcm);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        AlsaNative.snd_pcm_close(handle);
        return true;
    }
}
