using System.Text.Json.Nodes;

namespace PicoTalk.Service.Config;

/// <summary>
/// JSON Merge Patch (RFC 7396) over a config's JSON, and the keys in which two configs differ.
/// Pure functions over <see cref="JsonNode"/>s; the caller validates the result (ConfigStore.Patch).
/// </summary>
public static class ConfigMergePatch
{
    /// <summary>
    /// RFC 7396 §2 MergePatch(Target, Patch): a patch that is an object merges into the target member
    /// by member, recursively (a target that is not an object becomes an empty one first); a member
    /// whose value is null removes that key (here: the setting goes back to its default); any other
    /// patch value, arrays included, replaces the target whole. Neither argument is changed.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result[name] = merged;
            }
        }

        return result;
    }

    /// <summary>
    /// The dotted keys (<c>audio.frame_ms</c>) whose values differ between <paramref name="a"/> and
    /// <paramref name="b"/>, in document order: objects are compared member by member, anything else
    /// (an array, a number) as a whole at its own key.
    /// </summary>
    public static IReadOnlyList<string> DifferingKeys(JsonNode? a, JsonNode? b)
    {
        var keys = new List<string>();
        Compare(a, b, "", keys);
        return keys;
    }

    private static void Compare(JsonNode? a, JsonNode? b, string prefix, List<string> keys)
    {
        if (a is JsonObject objectA && b is JsonObject objectB)
        {
            var names = objectA.Select(p => p.Key).Concat(objectB.Select(p => p.Key).Where(n => !objectA.ContainsKey(n)));
            foreach (string name in names)
            {
                Compare(objectA[name], objectB[name], prefix.Length == 0 ? name : $"{prefix}.{name}", keys);
            }

            return;
        }

        if (!JsonNode.DeepEquals(a, b))
        {
            keys.Add(prefix);
        }
    }
}
