namespace PicoTalk.Protocol.Media;

/// <summary>Facts about the loaded libopus, for the status page and logs.</summary>
public static class OpusLibrary
{
    /// <summary>opus_get_version_string(), e.g. "libopus 1.3.1".</summary>
    public static string Version => OpusNative.VersionText();
}
