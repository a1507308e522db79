using Xunit;

namespace PicoTalk.TestSupport.Audio;

/// <summary>
/// Runs where PulseAudio and the ALSA pulse plugin are installed (./build.sh installs pulseaudio and
/// libasound2-plugins for the tests); skips with the reason elsewhere. Under CI (CI=true) it never
/// skips: a missing package there is a failure to see, not to hide. Once installed, a server that
/// does not start fails the test with pulseaudio's own output.
/// </summary>
public sealed class PulseAudioFactAttribute : FactAttribute
{
    public PulseAudioFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && AlsaPluginFactAttribute.Missing("pulse") is { } reason)
        {
            Skip = reason;
        }
        else if (Environment.GetEnvironmentVariable("CI") != "true" && !OnPath("pulseaudio"))
        {
            Skip = "pulseaudio is not installed (apt-get install pulseaudio, or ./build.sh deps)";
        }
    }

    private static bool OnPath(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

/// <summary>Runs where the ALSA PCM plugin <c>type NAME</c> from libasound2-plugins is installed; as <see cref="PulseAudioFactAttribute"/> otherwise.</summary>
public sealed class AlsaPluginFactAttribute : FactAttribute
{
    /// <summary>Where Debian's libasound2-plugins puts PCM plugins (multiarch library folders).</summary>
    private static readonly string[] PluginFolders =
    [
        "/usr/lib/x86_64-linux-gnu/alsa-lib", "/usr/lib/aarch64-linux-gnu/alsa-lib", "/usr/lib/arm-linux-gnueabihf/alsa-lib", "/usr/lib/alsa-lib",
    ];

    public AlsaPluginFactAttribute(string plugin)
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && Missing(plugin) is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Why the plugin cannot be used, or null when it is installed.</summary>
    public static string? Missing(string plugin) =>
        PluginFolders.Any(dir => File.Exists(Path.Combine(dir, $"libasound_module_pcm_{plugin}.so")))
            ? null
            : $"the ALSA {plugin} plugin is not installed (apt-get install libasound2-plugins, or ./build.sh deps)";
}
