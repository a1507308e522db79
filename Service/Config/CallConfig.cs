using PicoTalk.Protocol.Identity;

namespace PicoTalk.Service.Config;

/// <summary>How the appliance rings, answers and dials (<c>calls</c> in config.json).</summary>
public sealed record CallConfig
{
    public int RingTimeoutSeconds { get; set; } = 60;

    /// <summary>Answer every incoming call after <see cref="AutoAnswerDelaySeconds"/>; a contact's
    /// own <c>auto_answer</c> does it for that contact alone.</summary>
    public bool AutoAnswer { get; set; }

    /// <summary>Seconds of ringing before an automatic answer, so the people near the appliance hear it first.</summary>
    public int AutoAnswerDelaySeconds { get; set; } = 3;

    /// <summary>What a call from an ID that is not a contact does: one of <see cref="UnknownCallerPolicy"/>.</summary>
    public string UnknownCallers { get; set; } = UnknownCallerPolicy.Allow;

    /// <summary>Refuse every incoming call as busy.</summary>
    public bool DoNotDisturb { get; set; }

    /// <summary>Who the CALL button dials: empty for nobody, else a contact's name, a 40-hex ID or HOST:PORT.</summary>
    public string SpeedDial { get; set; } = "";

    /// <summary>The microphone is sent only while PTT is held (a speaker that would otherwise feed back).</summary>
    public bool HalfDuplex { get; set; }

    /// <summary>Play the ringtone on an incoming call.</summary>
    public bool Ringtone { get; set; } = true;

    public const int MaxAutoAnswerDelaySeconds = 60;

    /// <summary>Adds every problem of the <c>calls</c> section; <paramref name="contacts"/> is what
    /// <see cref="SpeedDial"/> may name.</summary>
    internal void Validate(List<ConfigError> errors, IReadOnlyList<ContactConfig> contacts)
    {
        if (RingTimeoutSeconds is < 5 or > 600)
        {
            errors.Add(new("calls.ring_timeout_seconds", "must be 5 to 600"));
        }

        if (AutoAnswerDelaySeconds is < 0 or > MaxAutoAnswerDelaySeconds)
        {
            errors.Add(new("calls.auto_answer_delay_seconds", $"must be 0 to {MaxAutoAnswerDelaySeconds}"));
        }

        if (!UnknownCallerPolicy.IsKnown(UnknownCallers))
        {
            errors.Add(new("calls.unknown_callers", $"'{UnknownCallers}' is not one of {string.Join(", ", UnknownCallerPolicy.All)}"));
        }

        if (SpeedDial.Length > 0
            && !NodeId.TryParse(SpeedDial, out _)
            && !DaemonConfig.IsHostPort(SpeedDial)
            && !contacts.Any(c => ContactConfig.SameName(c.Name, SpeedDial)))
        {
            errors.Add(new("calls.speed_dial", $"'{SpeedDial}' is not a contact's name, a {NodeId.HexLength}-hex-digit ID or HOST:PORT"));
        }
    }
}

/// <summary>Values of <c>calls.unknown_callers</c>.</summary>
public static class UnknownCallerPolicy
{
    /// <summary>Anyone may call.</summary>
    public const string Allow = "allow";

    /// <summary>Calls from IDs that are not contacts are rejected without ringing.</summary>
    public const string Refuse = "refuse";

    /// <summary>Calls from strangers ring, like a doorbell, but cannot be answered (they end unanswered).</summary>
    public const string RingOnly = "ring_only";

    public static readonly IReadOnlyList<string> All = [Allow, Refuse, RingOnly];

    public static bool IsKnown(string value) => All.Contains(value, StringComparer.Ordinal);
}
