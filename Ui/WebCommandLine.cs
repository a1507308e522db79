using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>
/// The arguments of the commands added for the web page (issue 6): <c>config [get [KEY] | set KEY
/// VALUE ...]</c>, <c>reject</c>, <c>mute [on|off]</c>, <c>history</c>, <c>log [N]</c>, <c>tone [SECONDS]</c>.
/// </summary>
public static class WebCommandLine
{
    /// <summary>Operand counts (at least, at most) of these commands; config is checked by <see cref="TryArguments"/>.</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max)> Operands = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
    {
        [WebCommands.Config] = (0, int.MaxValue),
        [WebCommands.Reject] = (0, 0),
        [WebCommands.Mute] = (0, 1),
        [WebCommands.History] = (0, 0),
        [WebCommands.Log] = (0, 1),
        [WebCommands.Tone] = (0, 1),
    };

    /// <summary>The request's args for <paramref name="command"/>, or false with a usage message.</summary>
    public static bool TryArguments(string command, IReadOnlyList<string> operands, out JsonElement? arguments, out string usage)
    {
        arguments = null;
        usage = "";
        switch (command)
        {
            case WebCommands.Config:
                return TryConfigArguments(operands, out arguments, out usage);
            case WebCommands.Mute:
                bool? muted = operands.Count == 0 ? true : operands[0] switch { "on" => true, "off" => false, _ => null };
                if (muted is null)
                {
                    usage = $"mute: '{operands[0]}' is neither 'on' nor 'off'";
                    return false;
                }

                arguments = JsonSerializer.SerializeToElement(new MuteArgs(muted), ControlJsonContext.Default.MuteArgs);
                return true;
            case WebCommands.Log:
                if (operands.Count == 0)
                {
                    return true;
                }

                if (!int.TryParse(operands[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lines) || lines is < 1 or > 200)
                {
                    usage = $"log: '{operands[0]}' is not a number of lines (1 to 200)";
                    return false;
                }

                arguments = JsonSerializer.SerializeToElement(new LogArgs(lines), ControlJsonContext.Default.LogArgs);
                return true;
            case WebCommands.Tone:
                if (operands.Count == 0)
                {
                    return true;
                }

                if (!int.TryParse(operands[0], NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) || seconds is < 1 or > 10)
                {
                    usage = $"tone: '{operands[0]}' is not a number of seconds (1 to 10)";
                    return false;
                }

                arguments = JsonSerializer.SerializeToElement(new ToneArgs(seconds), ControlJsonContext.Default.ToneArgs);
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// <c>config</c> and <c>config get [KEY]</c> read; <c>config set KEY VALUE [KEY VALUE ...]</c> sends
    /// one merge patch (RFC 7396) with every pair: a dotted KEY makes nested objects, a VALUE that
    /// parses as JSON is taken as such (<c>20</c>, <c>true</c>, <c>["a:1"]</c>, <c>null</c> for the
    /// default), anything else as a string, so <c>set name Gate</c> needs no quotes.
    /// </summary>
    private static bool TryConfigArguments(IReadOnlyList<string> operands, out JsonElement? arguments, out string usage)
    {
        arguments = null;
        usage = "";
        if (operands.Count == 0 || (operands[0] == ConfigOps.Get && operands.Count <= 2))
        {
            arguments = JsonSerializer.SerializeToElement(new ConfigArgs(ConfigOps.Get), ControlJsonContext.Default.ConfigArgs);
            return true;
        }

        if (operands[0] != ConfigOps.Set || operands.Count < 3 || operands.Count % 2 == 0)
        {
            usage = "'config' takes no arguments, 'get [KEY]' or 'set KEY VALUE [KEY VALUE ...]'";
            return false;
        }

        var patch = new JsonObject();
        for (int i = 1; i < operands.Count; i += 2)
        {
            string[] path = operands[i].Split('.');
            if (path.Any(p => p.Length == 0))
            {
                usage = $"config set: '{operands[i]}' is not a dotted config key such as opus.bitrate";
                return false;
            }

            var parent = patch;
            foreach (string name in path[..^1])
            {
                if (parent[name] is not JsonObject child)
                {
                    child = new JsonObject();
                    parent[name] = child;
                }

                parent = child;
            }

            parent[path[^1]] = Value(operands[i + 1]);
        }

        var element = JsonSerializer.SerializeToElement(patch, PatchContext.Default.JsonObject);
        arguments = JsonSerializer.SerializeToElement(new ConfigArgs(ConfigOps.Set, element), ControlJsonContext.Default.ConfigArgs);
        return true;
    }

    private static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>The value at a dotted key of a config, or null when it has none.</summary>
    public static JsonElement? Find(JsonElement config, string key)
    {
        var current = config;
        foreach (string name in key.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class PatchContext : System.Text.Json.Serialization.JsonSerializerContext;
