using System.Text.Json;
using System.Text.Json.Nodes;

namespace PicoTalk.Service.Config;

public static partial class ConfigStore
{
    private static readonly JsonDocumentOptions FileDocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Applies an RFC 7396 merge patch to the JSON stored at <paramref name="path"/> (not to the
    /// settings the daemon runs with: keys the patch leaves out keep what the file holds), reads the
    /// result through <see cref="Parse"/> (types, unknown keys, then <see cref="DaemonConfig.Validate"/>)
    /// and saves it atomically. Throws <see cref="ConfigException"/> naming every refused key, or
    /// <see cref="IOException"/>; either way nothing is written. Blocks on the disk: off the loop.
    /// </summary>
    public static (DaemonConfig Saved, string? Warning) Patch(string path, JsonNode patch)
    {
        lock (WriteLock)
        {
            JsonNode? stored;
            try
            {
                stored = JsonNode.Parse(File.ReadAllBytes(path), documentOptions: FileDocumentOptions);
            }
            catch (JsonException e)
            {
                throw new ConfigException(path, [Describe(e)]);
            }

            var merged = ConfigMergePatch.Apply(stored, patch);
            var config = Parse(path, System.Text.Encoding.UTF8.GetBytes(merged?.ToJsonString() ?? "null"));
            return (config, Save(path, config));
        }
    }

    /// <summary>Reads and checks the config stored at <paramref name="path"/> (throws as <see cref="Parse"/>).</summary>
    public static DaemonConfig Read(string path) => Parse(path, File.ReadAllBytes(path));

    /// <summary>The config as config.json holds it: snake_case keys, every setting written.</summary>
    public static JsonNode ToJson(DaemonConfig config) =>
        JsonSerializer.SerializeToNode(config, ConfigJsonContext.Default.DaemonConfig)!;
}
