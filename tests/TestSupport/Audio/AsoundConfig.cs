namespace PicoTalk.TestSupport.Audio;

/// <summary>
/// Pieces of an ALSA configuration file for tests (DESIGN.md "Testing without the hardware"), for
/// ALSA_CONFIG_PATH: libasound reads it with getenv(3), so a child process (a daemon) only needs the
/// variable in its environment.
/// </summary>
public static class AsoundConfig
{
    /// <summary>
    /// The first line of every test asoundrc: ALSA_CONFIG_PATH replaces the whole search path, so
    /// the standard definitions (<c>null</c>, <c>plug</c>, the plugin types) must be included.
    /// </summary>
    public const string StandardInclude = "</usr/share/alsa/alsa.conf>";

    /// <summary>
    /// A PCM of the ALSA pulse plugin (libasound2-plugins) on the server at <paramref name="socket"/>
    /// (<see cref="PulseAudioServer.Socket"/>): playback into a sink, or capture from a source such
    /// as <c>SINK.monitor</c>, named by <paramref name="device"/>. The server is named in the file,
    /// so neither the test nor a daemon needs PULSE_* variables.
    /// </summary>
    public static string PulsePcm(string name, string socket, string device) => $$"""
        pcm.{{name}} {
            type pulse
            server "unix:{{socket}}"
            device "{{device}}"
        }
        """;

    /// <summary>Writes <see cref="StandardInclude"/> and the definitions to <paramref name="path"/>; returns the path.</summary>
    public static string Write(string path, params string[] definitions)
    {
        File.WriteAllText(path, string.Join("\n\n", [StandardInclude, .. definitions]) + "\n");
        return path;
    }
}
