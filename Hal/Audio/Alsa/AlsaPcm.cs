using System.Diagnostics;
using static PicoTalk.Hal.Audio.Alsa.AlsaNative;

namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>Which way an ALSA PCM carries sound; the values are alsa/pcm.h's <c>snd_pcm_stream_t</c>.</summary>
public enum AlsaStream
{
    /// <summary>SND_PCM_STREAM_PLAYBACK: we write, the speaker plays.</summary>
    Playback = StreamPlayback,

    /// <summary>SND_PCM_STREAM_CAPTURE: the microphone records, we read.</summary>
    Capture = StreamCapture,
}

/// <summary>
/// One open ALSA PCM in the appliance's format (48 kHz, mono, S16_LE, interleaved) with periods of
/// 10 or 20 ms, and the blocking transfer loop <see cref="AlsaSource"/> and <see cref="AlsaSink"/>
/// share: short transfers continue, xruns and suspends are recovered with snd_pcm_recover and
/// counted, anything else is an <see cref="AlsaException"/> naming the device.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> alsa-lib wants each handle used by one thread at a time (ALSA wiki, "SMP
/// Design"), so <see cref="Dispose"/> never calls into a handle another thread is blocked in. The
/// transfer loop waits in slices of <see cref="WaitSliceMilliseconds"/> (snd_pcm_wait) and reads or
/// writes only what is ready, all under <c>_io</c>; Dispose raises a flag, then takes <c>_io</c>
/// (so it waits at most one slice plus one ready transfer), drops and closes. A Read or Write
/// blocked at that moment returns false, as do all later ones.</para>
/// <para><b>Stalls.</b> A device that moves no frame for <see cref="StallTimeout"/> (unplugged,
/// a sound server that stopped or suspended the device) fails the transfer instead of blocking the
/// audio thread forever.</para>
/// </remarks>
public sealed unsafe class AlsaPcm : IDisposable
{
    /// <summary>
    /// Playback buffer: 3 periods (60 ms at 20 ms). Everything queued here is latency, so no more
    /// than the 2 periods the stream starts with plus the one being written.
    /// </summary>
    public const int PlaybackBufferPeriods = 3;

    /// <summary>
    /// Capture buffer: 4 periods. Captured frames wait here only until read, so a longer buffer adds
    /// no latency and lets the capture thread be late by up to 3 periods without an overrun.
    /// </summary>
    public const int CaptureBufferPeriods = 4;

    /// <summary>Playback starts once 2 periods are queued, so one late Write does not underrun at once.</summary>
    public const int PlaybackStartPeriods = 2;

    /// <summary>
    /// How long one snd_pcm_wait may block: the bound on how long <see cref="Dispose"/> waits for a
    /// blocked transfer, and the granularity of <see cref="StallTimeout"/>.
    /// </summary>
    public const int WaitSliceMilliseconds = 50;

    /// <summary>Default <see cref="StallTimeout"/>: 100 periods of 20 ms with no frame moved.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(2);

    private const string PlugAdvice =
        "use the device through ALSA's plug layer, e.g. plughw:CARD,DEV instead of hw:CARD,DEV (or 'default'), which converts rate, format and channels";

    private readonly AlsaPcmHandle _handle;
    private readonly Lock _io = new();
    private volatile bool _closing;
    private bool _started;
    private long _xruns;
    private long _suspends;

    private AlsaPcm(AlsaPcmHandle handle, string device, AlsaStream stream, int periodFrames, int devicePeriodFrames, int bufferFrames)
    {
        _handle = handle;
        Device = device;
        Stream = stream;
        PeriodFrames = periodFrames;
        DevicePeriodFrames = devicePeriodFrames;
        BufferFrames = bufferFrames;
    }

    /// <summary>The device name as given: <c>default</c>, <c>plughw:1,0</c>, a name from an asoundrc...</summary>
    public string Device { get; }

    public AlsaStream Stream { get; }

    /// <summary>Frames (= samples, mono) per Read or Write: 480 for 10 ms, 960 for 20 ms.</summary>
    public int PeriodFrames { get; }

    /// <summary>The period the device accepted (snd_pcm_hw_params_get_period_size); hardware may round it.</summary>
    public int DevicePeriodFrames { get; }

    /// <summary>The ring buffer the device accepted (snd_pcm_hw_params_get_buffer_size).</summary>
    public int BufferFrames { get; }

    /// <summary>Overruns (capture) or underruns (playback) recovered: snd_pcm_readi/writei returned -EPIPE.</summary>
    public long Xruns => Interlocked.Read(ref _xruns);

    /// <summary>Suspends (system sleep) recovered: -ESTRPIPE.</summary>
    public long Suspends => Interlocked.Read(ref _suspends);

    /// <summary>How long a transfer may move nothing before it fails; see the remarks.</summary>
    public TimeSpan StallTimeout { get; set; } = DefaultStallTimeout;

    /// <summary>Opens <paramref name="device"/> for <paramref name="stream"/> and sets it up.</summary>
    /// <exception cref="AlsaException">libasound is missing, the device does not exist or is busy,
    /// or it does not take 48 kHz mono S16_LE (the message suggests <c>plughw:</c>).</exception>
    public static AlsaPcm Open(string device, AlsaStream stream, int frameMs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        if (stream is not (AlsaStream.Capture or AlsaStream.Playback))
        {
            throw new ArgumentOutOfRangeException(nameof(stream), stream, "capture or playback");
        }

        int period = AudioFormat.SamplesPerFrame(frameMs);
        string direction = stream == AlsaStream.Capture ? "capture" : "playback";
        nint raw;
        int error;
        try
        {
            // Mode 0: blocking I/O (SND_PCM_NONBLOCK would make readi/writei return -EAGAIN). The open
            // itself does not wait for a busy device: since alsa-lib 1.0.11 it fails at once with
            // -EBUSY/-EAGAIN unless defaults.pcm.nonblock is 0 (alsa-lib NOTES, "Blocking Open Mode").
            error = snd_pcm_open(out raw, device, (int)stream, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new AlsaException(device, $"ALSA device '{device}': {MissingLibraryMessage}", 0, e);
        }

        if (error < 0)
        {
            throw new AlsaException(device,
                $"ALSA device '{device}' cannot be opened for {direction}: {ErrorText(error)} ({error}); " +
                $"'{(stream == AlsaStream.Capture ? "arecord" : "aplay")} -L' lists the device names", error);
        }

        var handle = new AlsaPcmHandle(raw);
        try
        {
            var (devicePeriod, buffer) = SetHardware(handle, device, direction, period,
                stream == AlsaStream.Capture ? CaptureBufferPeriods : PlaybackBufferPeriods);
            SetSoftware(handle, device, stream, period, buffer);
            Check(snd_pcm_prepare(handle), device, "preparing the stream");
            return new AlsaPcm(handle, device, stream, period, devicePeriod, buffer);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves exactly <paramref name="frames"/> frames between <paramref name="samples"/> and the
    /// device, blocking until done. False once disposed (also when disposed meanwhile).
    /// </summary>
    /// <exception cref="AlsaException">an error snd_pcm_recover cannot handle, or a stall.</exception>
    internal bool Transfer(short* samples, int frames)
    {
        if (_closing)
        {
            return false;
        }

        lock (_io)
        {
            long lastProgress = Stopwatch.GetTimestamp();
            int done = 0;
            while (done < frames)
            {
                if (_closing)
                {
                    return false;
                }

                // Checked on every pass, so a device that only times out, returns nothing or
                // xruns again at once cannot hold the audio thread for ever.
                if (Stopwatch.GetElapsedTime(lastProgress) > StallTimeout)
                {
                    throw new AlsaException(Device,
                        $"ALSA device '{Device}' moved no audio for {StallTimeout.TotalSeconds:0.#} s ({(Stream == AlsaStream.Capture ? "capture" : "playback")} stalled: unplugged, or the sound server stopped?)");
                }

                if (Stream == AlsaStream.Capture && !_started)
                {
                    // A PREPARED capture stream is not running, so snd_pcm_wait would never see data.
                    StartCapture();
                }

                int ready = snd_pcm_wait(_handle, WaitSliceMilliseconds);
                if (ready < 0)
                {
                    Recover(ready);
                    continue;
                }

                nint moved = 0;
                if (ready > 0)
                {
                    nuint want = (nuint)(frames - done);
                    moved = Stream == AlsaStream.Capture
                        ? snd_pcm_readi(_handle, samples + done, want)
                        : snd_pcm_writei(_handle, samples + done, want);
                    if (moved < 0 && moved != -EAGAIN)
                    {
                        Recover((int)moved);
                        continue;
                    }
                }

                if (moved > 0)
                {
                    // A short transfer (a signal, an xrun part-way) continues with the rest.
                    done += (int)moved;
                    lastProgress = Stopwatch.GetTimestamp();
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Stops and closes the device. Safe from another thread while a Read or Write blocks: it waits
    /// for that transfer's current wait slice to end (at most <see cref="WaitSliceMilliseconds"/>
    /// plus one ready transfer), which then returns false.
    /// </summary>
    public void Dispose()
    {
        _closing = true;
        lock (_io)
        {
            if (_handle.IsClosed)
            {
                return;
            }

            // snd_pcm_drop stops at once (snd_pcm_drain would block until the buffer has played).
            // The file plugin writes what it still holds to its file on drop.
            snd_pcm_drop(_handle);
            _handle.Dispose();
        }
    }

    private void StartCapture()
    {
        int error = snd_pcm_start(_handle);
        // -EBADFD: already running (a suspend resumed in place, or start_threshold started it).
        if (error < 0 && error != -EBADFD)
        {
            Recover(error);
            return;
        }

        _started = true;
    }

    /// <summary>The snd_pcm_recover contract: -EINTR, -EPIPE and -ESTRPIPE are recoverable; anything else is a failure.</summary>
    private void Recover(int error)
    {
        switch (-error)
        {
            case EPIPE:
                Interlocked.Increment(ref _xruns);
                break;
            case ESTRPIPE:
                Interlocked.Increment(ref _suspends);
                break;
            case EINTR:
                break;
            default:
                throw Failure(Device, Stream == AlsaStream.Capture ? "reading" : "writing", error);
        }

        int recovered = snd_pcm_recover(_handle, error, silent: 1);
        if (recovered < 0)
        {
            throw Failure(Device, $"recovering from '{ErrorText(error)}'", recovered);
        }

        // After an xrun the stream is PREPARED again: playback restarts by its start threshold,
        // capture must be started before the next wait.
        _started = false;
    }

    private static (int Period, int Buffer) SetHardware(AlsaPcmHandle handle, string device, string direction, int period, int periods)
    {
        Check(snd_pcm_hw_params_malloc(out nint hw), device, "allocating hardware parameters");
        try
        {
            Check(snd_pcm_hw_params_any(handle, hw), device, "reading the hardware configuration space");
            // The rate first: of everything a fixed-format card may refuse, a wrong rate is the
            // most common (44.1 kHz-only codecs), and the message should name the rate it offers.
            uint rate = AudioFormat.SampleRate;
            int dir = 0;
            Refuse(snd_pcm_hw_params_set_rate_near(handle, hw, ref rate, ref dir), device, direction, $"{AudioFormat.SampleRate} Hz");
            // The whole appliance runs at 48 kHz (Opus's rate); a nearby rate would play at the wrong
            // pitch and drift against the peer, so only the exact rate is accepted. (dir reports a
            // fractional part, which only clock-derived hardware rates have; the integer rate decides.)
            if (rate != AudioFormat.SampleRate)
            {
                throw new AlsaException(device,
                    $"ALSA device '{device}' offers {rate} Hz for {direction}, not {AudioFormat.SampleRate} Hz; {PlugAdvice}") { FormatRefused = true };
            }

            Refuse(snd_pcm_hw_params_set_access(handle, hw, AccessRwInterleaved), device, direction, "interleaved read/write access");
            Refuse(snd_pcm_hw_params_set_format(handle, hw, FormatS16Le), device, direction, "the S16_LE sample format");
            Refuse(snd_pcm_hw_params_set_channels(handle, hw, AudioFormat.Channels), device, direction, "mono (1 channel)");

            nuint periodFrames = (nuint)period;
            dir = 0;
            Check(snd_pcm_hw_params_set_period_size_near(handle, hw, ref periodFrames, ref dir), device, "setting the period size");
            nuint bufferFrames = (nuint)(period * periods);
            Check(snd_pcm_hw_params_set_buffer_size_near(handle, hw, ref bufferFrames), device, "setting the buffer size");
            Check(snd_pcm_hw_params(handle, hw), device, "installing the hardware parameters");

            Check(snd_pcm_hw_params_get_period_size(hw, out nuint gotPeriod, out _), device, "reading the period size");
            Check(snd_pcm_hw_params_get_buffer_size(hw, out nuint gotBuffer), device, "reading the buffer size");
            return ((int)gotPeriod, (int)gotBuffer);
        }
        finally
        {
            snd_pcm_hw_params_free(hw);
        }
    }

    private static void SetSoftware(AlsaPcmHandle handle, string device, AlsaStream stream, int period, int buffer)
    {
        Check(snd_pcm_sw_params_malloc(out nint sw), device, "allocating software parameters");
        try
        {
            Check(snd_pcm_sw_params_current(handle, sw), device, "reading the software parameters");
            // Playback starts when 2 periods are queued (never more than the buffer holds, or it would
            // never start); capture starts as soon as a frame is asked for.
            nuint start = stream == AlsaStream.Playback ? (nuint)Math.Min(PlaybackStartPeriods * period, buffer) : 1;
            Check(snd_pcm_sw_params_set_start_threshold(handle, sw, start), device, "setting the start threshold");
            // snd_pcm_wait wakes when a whole period can move, so each wait is followed by one transfer.
            Check(snd_pcm_sw_params_set_avail_min(handle, sw, (nuint)Math.Min(period, buffer)), device, "setting avail_min");
            Check(snd_pcm_sw_params(handle, sw), device, "installing the software parameters");
        }
        finally
        {
            snd_pcm_sw_params_free(sw);
        }
    }

    private static void Check(int error, string device, string what)
    {
        if (error < 0)
        {
            throw Failure(device, what, error);
        }
    }

    /// <summary>The device cannot do what the appliance needs: the hardware is fixed, the plug layer converts.</summary>
    private static void Refuse(int error, string device, string direction, string what)
    {
        if (error < 0)
        {
            throw new AlsaException(device,
                $"ALSA device '{device}' does not take {what} for {direction} ({ErrorText(error)}); the appliance needs 48 kHz mono S16_LE: {PlugAdvice}", error)
            {
                FormatRefused = true,
            };
        }
    }

    private static AlsaException Failure(string device, string what, int error) =>
        new(device, $"ALSA device '{device}': {what} failed: {ErrorText(error)} ({error})", error);
}
