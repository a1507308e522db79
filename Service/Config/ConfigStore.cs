using System.Text.Json;

namespace PicoTalk.Service.Config;

/// <summary>A config file that could not be used, with every reason.</summary>
public sealed class ConfigException(string path, IReadOnlyList<ConfigError> errors)
    : Exception($"{path}: " + string.Join("; ", errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}

/// <summary>
/// Loads and saves <c>config.json</c>. A missing file is created with the defaults; a file that does
/// not parse, has unknown keys or out-of-range values is refused with the key and the reason; saves
/// are atomic (<see cref="AtomicFile"/>).
/// </summary>
public static partial class ConfigStore
{
    public const string FileName = "config.json";

    private static readonly UnixFileMode Mode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    public static DaemonConfig LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var defaults = new DaemonConfig();
            Save(path, defaults);
            return defaults;
        }

        return Parse(path, File.ReadAllBytes(path));
    }

    public static DaemonConfig Parse(string path, ReadOnlySpan<byte> json)
    {
        DaemonConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, ConfigJsonContext.Default.DaemonConfig);
        }
        catch (JsonException e)
        {
            throw new ConfigException(path, [Describe(e)]);
        }

        if (config is null)
        {
            throw new ConfigException(path, [new ConfigError("(file)", "must hold a JSON object")]);
        }

        var errors = config.Validate();
        return errors.Count > 0 ? throw new ConfigException(path, errors) : config;
    }

    public static void Save(string path, DaemonConfig config)
    {
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ConfigException(path, errors);
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(config, ConfigJsonContext.Default.DaemonConfig);
        AtomicFile.Write(path, json, Mode);
    }

    private static ConfigError Describe(JsonException e)
    {
        // "$.opus.bitrate" -> "opus.bitrate"; System.Text.Json's messages name .NET types, so say
        // what the file needs instead.
        string key = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.TrimStart('$', '.');
        var unknown = UnknownProperty().Match(e.Message);
        if (unknown.Success)
        {
            string name = unknown.Groups[1].Value;
            // The path already ends with the unknown key.
            string full = key.Length == 0 ? name : key.EndsWith(name, StringComparison.Ordinal) ? key : $"{key}.{name}";
            return new ConfigError(full, "unknown key (not a setting of this version)");
        }

        if (key.Length == 0)
        {
            key = "(file)";
        }

        if (e.Message.Contains("null values", StringComparison.Ordinal))
        {
            // RespectNullableAnnotations: a null where the setting must have a value.
            return new ConfigError(key, "must not be null (leave the key out for its default)");
        }

        return e.Message.Contains("could not be converted", StringComparison.Ordinal)
            ? new ConfigError(key, "has the wrong type (a number, text or true/false as in the defaults)")
            : new ConfigError(key, $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
    }

    [System.Text.RegularExpressions.GeneratedRegex("property '([^']*)' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnknownProperty();
}
