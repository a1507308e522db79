namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>
/// An ALSA device could not be opened, configured or used. An <see cref="IOException"/>, so callers
/// that fall back to silence when a device fails (the daemon's call media) treat it like any other
/// device error. The message names the device and gives snd_strerror's text.
/// </summary>
public sealed class AlsaException : IOException
{
    public AlsaException(string device, string message, int alsaError = 0, Exception? inner = null)
        : base(message, inner)
    {
        Device = device;
        AlsaError = alsaError;
    }

    /// <summary>The device name as given (<c>default</c>, <c>plughw:1,0</c>, ...).</summary>
    public string Device { get; }

    /// <summary>The negative error code alsa-lib returned, 0 when the error is ours.</summary>
    public int AlsaError { get; }

    /// <summary>The device opened but does not take 48 kHz mono S16_LE: ALSA's plug layer would convert.</summary>
    public bool FormatRefused { get; init; }
}
