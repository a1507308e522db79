using PicoTalk.Service.Appliance;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Daemon;

/// <summary>What the web page's control commands need from the composition root (issue 6).</summary>
public sealed partial class PicoTalkDaemon
{
    internal DaemonLog Log => _log;

    /// <summary>Whole seconds since the daemon was built (TimeProvider).</summary>
    internal int UptimeSeconds => (int)_loop.Time.GetElapsedTime(_startedAt).TotalSeconds;

    /// <summary>The stored config at start, the baseline of "restart required"; the running settings
    /// if it cannot be read (it was just loaded, so only a race with an editor gets there).</summary>
    private static DaemonConfig StoredAtStart(DaemonSettings settings)
    {
        try
        {
            return ConfigStore.Read(settings.ConfigPath);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            return settings.Config;
        }
    }

    /// <summary>On the loop, after a <c>config set</c> was saved: the name of the next invite, the
    /// ring timeout, the call policies and the gains take effect at once (the contacts were adopted
    /// by the ContactBook already); the rest waits for a restart.</summary>
    private void ApplyConfig(DaemonConfig saved)
    {
        _core.Calls.Options = _core.Calls.Options with
        {
            Name = saved.Name,
            RingTimeout = TimeSpan.FromSeconds(saved.Calls.RingTimeoutSeconds),
        };
        Appliance.ApplySettings(ApplianceSettingsConfig.From(saved.Gpio, saved.Calls));
        Gains.Set(saved.Audio.SpeakerGainDb, saved.Audio.MicGainDb);
        _log.Info("config: saved and applied");
    }
}
