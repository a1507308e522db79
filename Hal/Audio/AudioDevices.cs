namespace PicoTalk.Hal.Audio;

/// <summary>
/// Opens the device an <see cref="AudioDeviceSpec"/> names, paced in real time by an
/// <see cref="AudioPacer"/> on <c>time</c> (devices without a clock of their own must still deliver
/// one period per period, or the daemon's capture thread would spin). The device owns its pacer.
/// </summary>
public static class AudioDevices
{
    /// <summary>Opens a capture device. <paramref name="loop"/> applies to <c>wav:FILE</c>.</summary>
    /// <exception cref="ArgumentException"><c>null</c> is playback only.</exception>
    /// <exception cref="NotSupportedException"><c>alsa:</c> is not built yet.</exception>
    /// <exception cref="WavFormatException">the WAV file is not usable.</exception>
    public static IAudioSource OpenSource(AudioDeviceSpec spec, int frameMs, TimeProvider time, bool loop = true)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(time);
        AudioFormat.SamplesPerFrame(frameMs); // validates 10 or 20 before anything is opened
        return spec.Kind switch
        {
            AudioDeviceKind.Wav => Paced(time, frameMs, pacer => new WavFileSource(spec.Argument!, frameMs, pacer, loop)),
            AudioDeviceKind.Silence => new SilenceSource(frameMs, Pacer(time, frameMs)),
            AudioDeviceKind.Sim => new SimSource(frameMs, Pacer(time, frameMs)),
            AudioDeviceKind.Null => throw new ArgumentException(
                $"audio device '{spec}' is output only; for input use wav:FILE, silence, sim or alsa:DEVICE", nameof(spec)),
            AudioDeviceKind.Alsa => throw AlsaNotBuilt(spec),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown audio device kind"),
        };
    }

    /// <summary>Opens a playback device.</summary>
    /// <exception cref="ArgumentException"><c>silence</c> is capture only.</exception>
    /// <exception cref="NotSupportedException"><c>alsa:</c> is not built yet.</exception>
    public static IAudioSink OpenSink(AudioDeviceSpec spec, int frameMs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(time);
        AudioFormat.SamplesPerFrame(frameMs);
        return spec.Kind switch
        {
            AudioDeviceKind.Wav => Paced(time, frameMs, pacer => new WavFileSink(spec.Argument!, frameMs, pacer)),
            AudioDeviceKind.Null => new NullSink(frameMs, Pacer(time, frameMs)),
            AudioDeviceKind.Sim => new SimSink(frameMs, Pacer(time, frameMs)),
            AudioDeviceKind.Silence => throw new ArgumentException(
                $"audio device '{spec}' is input only; for output use wav:FILE, null, sim or alsa:DEVICE", nameof(spec)),
            AudioDeviceKind.Alsa => throw AlsaNotBuilt(spec),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown audio device kind"),
        };
    }

    /// <summary>Creates a device around a new pacer, disposing the pacer if the device cannot open.</summary>
    private static T Paced<T>(TimeProvider time, int frameMs, Func<AudioPacer, T> open)
    {
        var pacer = Pacer(time, frameMs);
        try
        {
            return open(pacer);
        }
        catch
        {
            pacer.Dispose();
            throw;
        }
    }

    private static AudioPacer Pacer(TimeProvider time, int frameMs) => new(time, TimeSpan.FromMilliseconds(frameMs));

    private static NotSupportedException AlsaNotBuilt(AudioDeviceSpec spec) => new(
        $"audio device '{spec}': ALSA support is not built yet; use wav:FILE, silence/null or sim for now");
}
