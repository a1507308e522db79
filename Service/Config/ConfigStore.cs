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
/// are atomic (<see cref="AtomicFile"/>) and keep a second copy, <c>config.json.last-good</c>, that
/// <see cref="LoadOrCreate"/> falls back to when the main file is damaged (ConfigStore.Recovery.cs).
/// </summary>
public static partial class ConfigStore
{
    public const string FileName = "config.json";

    /// <summary>Suffix of the copy of the last config that was saved or loaded whole.</summary>
    public const string LastGoodSuffix = ".last-good";

    /// <summary>Suffix a damaged config is renamed to, for the owner to inspect.</summary>
    public const string BadSuffix = ".bad";

    private static readonly UnixFileMode Mode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    // One read-modify-write of a config file at a time in this process (Update).
    private static readonly Lock WriteLock = new();

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

    /// <summary>
    /// Writes <paramref name="config"/> to <paramref name="path"/>, then the same bytes to its
    /// last-good copy. Each write is atomic, and the copy is written only after the main file is in
    /// place, so at every instant both files are whole, valid configs and the copy never holds
    /// anything the main file did not hold first. Refuses an invalid config without touching either.
    /// The main file is the commit point: once it is written the save has happened, and a copy that
    /// could not be written (a full disk) is returned as a warning to log rather than thrown, since the
    /// stale copy is still a whole config. Null when both were written.
    /// </summary>
    public static string? Save(string path, DaemonConfig config)
    {
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ConfigException(path, errors);
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(config, ConfigJsonContext.Default.DaemonConfig);
        lock (WriteLock)
        {
            AtomicFile.Write(path, json, Mode);
            return TryWriteLastGood(path, json);
        }
    }

    /// <summary>
    /// Reads the config stored at <paramref name="path"/> (not the command line's overrides of it),
    /// applies <paramref name="change"/> and saves the result: keys the change does not touch keep
    /// what the file holds. One update at a time per process; blocks on the disk (run it off the loop).
    /// Throws <see cref="ConfigException"/> if the stored file or the result is not valid, and
    /// <see cref="IOException"/> if the disk refuses the write; either way both files stay as they were.
    /// </summary>
    public static (DaemonConfig Saved, string? Warning) Update(string path, Func<DaemonConfig, DaemonConfig> change)
    {
        lock (WriteLock)
        {
            var stored = Parse(path, File.ReadAllBytes(path));
            var changed = change(stored);
            return (changed, Save(path, changed));
        }
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
