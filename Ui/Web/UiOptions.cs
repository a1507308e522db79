namespace PicoTalk.Ui.Web;

/// <summary>
/// <c>picotalk ui [--urls URL[;URL...]] [--state-dir DIR] [--https] [--control PATH]</c>
/// (ui-spec.md). Without --urls it serves http://0.0.0.0:8080, or https://0.0.0.0:8443 with
/// --https; the state directory is --state-dir, else $STATE_DIRECTORY (systemd's StateDirectory=),
/// else /var/lib/picotalk-ui.
/// </summary>
internal sealed record UiOptions(IReadOnlyList<Uri> Urls, string StateDirectory, bool Https, string ControlPath)
{
    public const string Command = "ui";
    public const string DefaultHttpUrl = "http://0.0.0.0:8080";
    public const string DefaultHttpsUrl = "https://0.0.0.0:8443";
    public const string DefaultStateDirectory = "/var/lib/picotalk-ui";

    public const string Usage = """
        usage: picotalk ui [--urls URL[;URL...]] [--state-dir DIR] [--https] [--control PATH]

        serves the appliance's web page; the first start prints a set-up code the page asks for.
          --urls URL       where to listen (default http://0.0.0.0:8080; with --https https://0.0.0.0:8443)
          --state-dir DIR  admin password, session key, certificate (default $STATE_DIRECTORY,
                           else /var/lib/picotalk-ui)
          --https          serve https:// URLs with a self-signed certificate made on the device
          --control PATH   the daemon's control socket (as for the other commands)
        """;

    /// <summary>
    /// Whether <paramref name="args"/> is a <c>ui</c> invocation: the first operand is <c>ui</c>
    /// (a <c>--control PATH</c> may come before it). <paramref name="rest"/> is every other argument.
    /// </summary>
    public static bool IsUiCommand(IReadOnlyList<string> args, out List<string> rest)
    {
        rest = [];
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == CommandLineArguments.ControlOption && i + 1 < args.Count)
            {
                i++;
                continue;
            }

            if (args[i].StartsWith('-'))
            {
                continue;
            }

            if (args[i] != Command)
            {
                return false;
            }

            rest = args.Take(i).Concat(args.Skip(i + 1)).ToList();
            return true;
        }

        return false;
    }

    public static bool TryParse(IReadOnlyList<string> args, Func<string, string?> environment, out UiOptions? options, out string error)
    {
        options = null;
        string? urls = null;
        string? stateDirectory = null;
        string? control = null;
        bool https = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--https":
                    https = true;
                    continue;
                case "--urls" or "--state-dir" or CommandLineArguments.ControlOption:
                    if (i + 1 >= args.Count || args[i + 1].Length == 0)
                    {
                        error = $"{arg} needs a value";
                        return false;
                    }

                    string value = args[++i];
                    if (arg == "--urls") { urls = value; }
                    else if (arg == "--state-dir") { stateDirectory = value; }
                    else { control = value; }

                    continue;
                default:
                    error = arg.StartsWith('-') ? $"ui: unknown option '{arg}'" : $"ui: unexpected argument '{arg}'";
                    return false;
            }
        }

        var parsed = new List<Uri>();
        foreach (string url in (urls ?? (https ? DefaultHttpsUrl : DefaultHttpUrl)).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                error = $"ui: '{url}' is not an http:// or https:// URL of the form scheme://HOST:PORT";
                return false;
            }

            if (uri.Scheme == "https" && !https)
            {
                error = $"ui: '{url}' is https: add --https (the certificate is made on the device)";
                return false;
            }

            parsed.Add(uri);
        }

        stateDirectory ??= environment("STATE_DIRECTORY") is { Length: > 0 } fromSystemd ? fromSystemd.Split(':')[0] : DefaultStateDirectory;
        options = new UiOptions(parsed, stateDirectory, https, ControlSocketPath.Resolve(control, environment));
        error = string.Empty;
        return true;
    }
}
