namespace PicoTalk.Ui;

/// <summary>
/// <c>picotalk [--control PATH] &lt;command&gt; [args] [--json]</c> (DESIGN.md "Command line
/// contract"), parsed. Options may appear anywhere; <c>--</c> ends them.
/// </summary>
public sealed record CommandLineArguments(
    string? ControlPath,
    bool Json,
    bool Help,
    string? Command,
    IReadOnlyList<string> Operands,
    bool AutoAnswer = false,
    bool Door = false)
{
    public const string ControlOption = "--control";
    public const string JsonOption = "--json";

    /// <summary><c>contacts add</c>: the contact's calls are answered automatically.</summary>
    public const string AutoAnswerOption = "--auto-answer";

    /// <summary><c>contacts add</c>: the contact may open the door.</summary>
    public const string DoorOption = "--door";

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out CommandLineArguments? parsed, out string error)
    {
        parsed = null;
        string? controlPath = null;
        bool json = false;
        bool help = false;
        bool autoAnswer = false;
        bool door = false;
        bool optionsEnded = false;
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            // A negative number (config set audio.mic_gain_db -20) is an operand, not an option.
            if (optionsEnded || arg.Length < 2 || arg[0] != '-' || char.IsAsciiDigit(arg[1]))
            {
                positional.Add(arg);
                continue;
            }

            switch (arg)
            {
                case "--":
                    optionsEnded = true;
                    break;
                case JsonOption:
                    json = true;
                    break;
                case "--help" or "-h":
                    help = true;
                    break;
                case AutoAnswerOption:
                    autoAnswer = true;
                    break;
                case DoorOption:
                    door = true;
                    break;
                case ControlOption:
                    if (i + 1 >= args.Count || args[i + 1].Length == 0)
                    {
                        error = $"{ControlOption} needs a socket path";
                        return false;
                    }

                    controlPath = args[++i];
                    break;
                default:
                    if (arg.StartsWith(ControlOption + "=", StringComparison.Ordinal) && arg.Length > ControlOption.Length + 1)
                    {
                        controlPath = arg[(ControlOption.Length + 1)..];
                        break;
                    }

                    error = $"unknown option '{arg}'";
                    return false;
            }
        }

        string? command = positional.Count > 0 ? positional[0] : null;
        parsed = new CommandLineArguments(controlPath, json, help, command, positional.Skip(1).ToArray(), autoAnswer, door);
        error = string.Empty;
        return true;
    }
}

/// <summary>
/// Where the control socket is: <c>--control</c>, else <c>$PICOTALK_CONTROL</c>, else
/// <c>$RUNTIME_DIRECTORY/control.sock</c> (systemd's RuntimeDirectory=, as the daemon uses it),
/// else <see cref="DefaultPath"/>.
/// </summary>
public static class ControlSocketPath
{
    public const string DefaultPath = "/run/picotalkd/control.sock";
    public const string ControlVariable = "PICOTALK_CONTROL";
    public const string RuntimeDirectoryVariable = "RUNTIME_DIRECTORY";
    public const string FileName = "control.sock";

    public static string Resolve(string? option, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(option))
        {
            return option;
        }

        if (environment(ControlVariable) is { Length: > 0 } fromVariable)
        {
            return fromVariable;
        }

        // systemd may list several directories separated by ':'; the first is the daemon's own.
        if (environment(RuntimeDirectoryVariable) is { Length: > 0 } runtime
            && runtime.Split(':')[0] is { Length: > 0 } first)
        {
            return Path.Combine(first, FileName);
        }

        return DefaultPath;
    }
}
