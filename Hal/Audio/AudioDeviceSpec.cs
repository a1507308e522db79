namespace PicoTalk.Hal.Audio;

/// <summary>Which kind of device an audio spec names (DESIGN.md "Command line contract").</summary>
public enum AudioDeviceKind
{
    /// <summary><c>alsa:DEVICE</c>, a device name as listed by <c>arecord -L</c> / <c>aplay -L</c>.</summary>
    Alsa,

    /// <summary><c>wav:FILE</c>: capture plays the file, playback records into it.</summary>
    Wav,

    /// <summary><c>silence</c>: a capture device that hears nothing.</summary>
    Silence,

    /// <summary><c>null</c>: a playback device that discards everything.</summary>
    Null,

    /// <summary><c>sim</c>: the simulated microphone or speaker (<see cref="SimSource"/>, <see cref="SimSink"/>).</summary>
    Sim,
}

/// <summary>
/// A parsed <c>--audio-in</c> / <c>--audio-out</c> value: <c>alsa:DEVICE</c>, <c>wav:FILE</c>,
/// <c>silence</c> (input only), <c>null</c> (output only) or <c>sim</c>. Kinds are matched without
/// regard to case; the argument after the colon is kept verbatim (it may itself hold colons, as in
/// <c>alsa:hw:1,0</c> or <c>wav:C:x.wav</c>).
/// </summary>
public sealed record AudioDeviceSpec(AudioDeviceKind Kind, string? Argument)
{
    public const string ValidForms = "alsa:DEVICE, wav:FILE, silence (input only), null (output only), sim";

    /// <summary>True for kinds that can capture (everything but <c>null</c>).</summary>
    public bool CanCapture => Kind != AudioDeviceKind.Null;

    /// <summary>True for kinds that can play (everything but <c>silence</c>).</summary>
    public bool CanPlay => Kind != AudioDeviceKind.Silence;

    /// <exception cref="FormatException">the spec is not one of <see cref="ValidForms"/>.</exception>
    public static AudioDeviceSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return TryParse(spec, out var parsed, out string? error)
            ? parsed
            : throw new FormatException($"audio device '{spec}': {error}; valid forms: {ValidForms}");
    }

    public static bool TryParse(string spec, out AudioDeviceSpec parsed) => TryParse(spec, out parsed, out _);

    public override string ToString() => Argument is null
        ? Kind.ToString().ToLowerInvariant()
        : $"{Kind.ToString().ToLowerInvariant()}:{Argument}";

    private static bool TryParse(string spec, out AudioDeviceSpec parsed, out string? error)
    {
        parsed = null!;
        error = null;
        string text = spec.Trim();
        int colon = text.IndexOf(':');
        string kind = colon < 0 ? text : text[..colon];
        string? argument = colon < 0 ? null : text[(colon + 1)..];

        switch (kind.ToLowerInvariant())
        {
            case "alsa" or "wav" when string.IsNullOrWhiteSpace(argument):
                error = $"'{kind}' needs a {(kind.Equals("wav", StringComparison.OrdinalIgnoreCase) ? "file" : "device name")} after the colon";
                return false;
            case "alsa":
                parsed = new AudioDeviceSpec(AudioDeviceKind.Alsa, argument);
                return true;
            case "wav":
                parsed = new AudioDeviceSpec(AudioDeviceKind.Wav, argument);
                return true;
            case "silence" or "null" or "sim" when argument is not null:
                error = $"'{kind}' takes no argument";
                return false;
            case "silence":
                parsed = new AudioDeviceSpec(AudioDeviceKind.Silence, null);
                return true;
            case "null":
                parsed = new AudioDeviceSpec(AudioDeviceKind.Null, null);
                return true;
            case "sim":
                parsed = new AudioDeviceSpec(AudioDeviceKind.Sim, null);
                return true;
            default:
                error = kind.Length == 0 ? "empty device kind" : $"unknown device kind '{kind}'";
                return false;
        }
    }
}
