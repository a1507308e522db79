namespace PicoTalk.Ui.Web;

/// <summary>
/// The control commands the page uses beside <see cref="PicoTalk.Protocol.Control.ControlCommands"/>
/// (ui-spec.md, "Control socket additions"), with their argument keys.
/// </summary>
internal static class WebCommands
{
    /// <summary><c>{"op":"get"}</c> or <c>{"op":"set","patch":{...}}</c> (RFC 7396 merge patch).</summary>
    public const string Config = "config";

    public const string Reject = "reject";

    /// <summary><c>{"muted":bool}</c>.</summary>
    public const string Mute = "mute";

    public const string History = "history";

    /// <summary><c>{"lines":N}</c>, 1 to <see cref="MaxLogLines"/>.</summary>
    public const string Log = "log";

    /// <summary><c>{"seconds":N}</c>, 1 to 10.</summary>
    public const string Tone = "tone";

    public const int MaxLogLines = 200;
}
