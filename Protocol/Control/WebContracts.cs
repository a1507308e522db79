using System.Text.Json;
using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

// The control commands the local web page needs (issue 6, ui-spec "Control socket additions"):
// config, reject, mute, history, log and tone. Keys are snake_case (ControlJsonContext).

/// <summary>The web page's commands beside <see cref="ControlCommands"/>.</summary>
public static class WebCommands
{
    /// <summary>Reads or patches the stored config (<see cref="ConfigArgs"/>).</summary>
    public const string Config = "config";

    /// <summary>Refuses the incoming call that is ringing; answers a <see cref="StateResult"/>.</summary>
    public const string Reject = "reject";

    /// <summary>Mutes or unmutes the microphone (<see cref="MuteArgs"/>); answers a <see cref="DeviceSummary"/>.</summary>
    public const string Mute = "mute";

    /// <summary>The latest calls, newest first (<see cref="HistoryResult"/>).</summary>
    public const string History = "history";

    /// <summary>The daemon's latest log lines, oldest first (<see cref="LogArgs"/>, <see cref="LogResult"/>).</summary>
    public const string Log = "log";

    /// <summary>Plays a 1 kHz test tone (<see cref="ToneArgs"/>); answers a <see cref="DeviceSummary"/>.</summary>
    public const string Tone = "tone";
}

/// <summary>Values of <c>config</c> args' <c>op</c>.</summary>
public static class ConfigOps
{
    public const string Get = "get";
    public const string Set = "set";
}

/// <summary>Values of a log line's <c>level</c>.</summary>
public static class LogLevels
{
    public const string Info = "info";
    public const string Warn = "warn";
    public const string Error = "error";
}

/// <summary>
/// <c>config</c> args: <c>{"op":"get"}</c> (also when args are left out) or
/// <c>{"op":"set","patch":{...}}</c>, <see cref="Patch"/> being an RFC 7396 JSON merge patch over the
/// stored config.json (objects merge, <c>null</c> removes a key so it goes back to its default, arrays
/// replace). A refused patch is answered <c>invalid_argument</c> with one <c>KEY: REASON</c> line per
/// problem, KEY the dotted config key (<c>opus.bitrate: must be 6000 to 510000 bit/s</c>).
/// </summary>
public sealed record ConfigArgs(
    string? Op = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Patch = null);

/// <summary>
/// <c>config</c> result: <see cref="Config"/> is the whole config as config.json holds it (snake_case
/// keys, defaults filled in); <see cref="RestartRequired"/> lists the dotted keys whose stored value
/// differs from the one the daemon runs with (they take effect at the next start).
/// </summary>
public sealed record ConfigResult(JsonElement Config, IReadOnlyList<string> RestartRequired);

/// <summary><c>mute</c> args: <c>{"muted":true}</c> or <c>{"muted":false}</c>.</summary>
public sealed record MuteArgs(bool? Muted);

/// <summary><c>log</c> args: how many of the latest lines (1 to 200, default 100).</summary>
public sealed record LogArgs(int? Lines = null);

/// <summary><c>tone</c> args: how long the test tone plays, 1 to 10 seconds (default 2).</summary>
public sealed record ToneArgs(int? Seconds = null);

/// <summary>
/// One ended call. <see cref="PeerId"/> is null when the call ended before the key exchange named
/// the peer; <see cref="Name"/> is the contact's name, else the name the caller gave, else null;
/// <see cref="Direction"/> one of <see cref="CallDirections"/>; <see cref="DurationSeconds"/> the time
/// in call (0 if never answered); <see cref="EndReason"/> one of <see cref="CallEndReasons"/>.
/// </summary>
public sealed record HistoryEntry(
    string? PeerId,
    string? Name,
    string Direction,
    [property: JsonConverter(typeof(UtcTimestampJsonConverter))] DateTimeOffset Started,
    int DurationSeconds,
    string EndReason,
    string EndMessage);

/// <summary><c>history</c> result: the latest calls, newest first, at most 50.</summary>
public sealed record HistoryResult(IReadOnlyList<HistoryEntry> Calls);

/// <summary>One log line: when (UTC), its <see cref="Level"/> (one of <see cref="LogLevels"/>) and its text.</summary>
public sealed record LogLine(
    [property: JsonConverter(typeof(UtcTimestampJsonConverter))] DateTimeOffset Time,
    string Level,
    string Message);

/// <summary><c>log</c> result: the latest lines, oldest first.</summary>
public sealed record LogResult(IReadOnlyList<LogLine> Lines);
