using System.Runtime.ExceptionServices;
using PicoTalk.Hal.Audio.Alsa;

namespace PicoTalk.Hal.Audio;

/// <summary>
/// Opens the device an <see cref="AudioDeviceSpec"/> names. Devices without a clock of their own
/// are paced in real time by an <see cref="AudioPacer"/> on <c>time</c> (they must still deliver
/// one period per period, or the daemon's capture thread would spin); the device owns its pacer.
/// ALSA devices are paced by the sound card's clock and take no pacer.
/// </summary>
public static class AudioDevices
{
    /// <summary>Opens a capture device. <paramref name="loop"/> applies to <c>wav:FILE</c>.</summary>
    /// <exception cref="ArgumentException"><c>null</c> is playback only.</exception>
    /// <exception cref="AlsaException">the ALSA device cannot be opened for capture (an <see cref="IOException"/>).</exception>
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
            // SND_PCM_STREAM_CAPTURE: the reference design swapped capture and playback (DESIGN.md).
            AudioDeviceKind.Alsa => ThroughPlugIfNeeded(spec.Argument!, name => new AlsaSource(name, frameMs)),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown audio device kind"),
        };
    }

    /// <summary>Opens a playback device.</summary>
    /// <exception cref="ArgumentException"><c>silence</c> is capture only.</exception>
    /// <exception cref="AlsaException">the ALSA device cannot be opened for playback (an <see cref="IOException"/>).</exception>
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
            // SND_PCM_STREAM_PLAYBACK.
            AudioDeviceKind.Alsa => ThroughPlugIfNeeded(spec.Argument!, name => new AlsaSink(name, frameMs)),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown audio device kind"),
        };
    }

    /// <summary>
    /// Opens an ALSA device as named; if it opens but does not take 48 kHz mono S16_LE (a card fixed
    /// at 44.1 kHz or stereo, a <c>hw:</c> name), opens it again through ALSA's plug layer, which
    /// converts rate, format and channels (the "plug" PCM of alsa.conf; <c>plughw:</c> for
    /// <c>hw:</c> names). If that fails too, the first error stands: it names what the card refused.
    /// </summary>
    private static T ThroughPlugIfNeeded<T>(string name, Func<string, T> open)
    {
        try
        {
            return open(name);
        }
        catch (AlsaException e) when (e.FormatRefused && PlugName(name) is { } plugged)
        {
            try
            {
                return open(plugged);
            }
            catch (AlsaException)
            {
                // The first error names what the card refused; keep its stack too.
                ExceptionDispatchInfo.Throw(e);
                throw;
            }
        }
    }

    /// <summary>The same device through the plug layer, or null if the name already goes through it.</summary>
    internal static string? PlugName(string name) =>
        name.StartsWith("plug", StringComparison.Ordinal) ? null
        : name.StartsWith("hw:", StringComparison.Ordinal) ? "plug" + name
        : name.IndexOfAny([':', ',', ' ', '"']) < 0 ? "plug:" + name
        : name.Contains('"') ? null
        : $"plug:\"{name}\"";

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
}
