using System.Text.Json;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// The room servers' identity keys pinned on first use (issue 7: "the server's key pinned on first
/// use"): <c>&lt;state&gt;/room-servers.json</c>, an object of <c>"host:port": "&lt;64 hex&gt;"</c>, written
/// atomically (<see cref="AtomicFile"/>). A file that does not parse is treated as empty and logged,
/// so a damaged file never locks the appliance out (it re-pins on the next join).
/// </summary>
public sealed class RoomServerPins(string stateDirectory, Action<string> log)
{
    public const string FileName = "room-servers.json";

    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    /// <summary>The pinned key of <paramref name="server"/> ("host:port"), or null.</summary>
    public byte[]? Find(string server) => Load().TryGetValue(server, out string? hex) ? Convert.FromHexString(hex) : null;

    /// <summary>Pins <paramref name="key"/> for <paramref name="server"/>, replacing any earlier pin.</summary>
    public void Pin(string server, ReadOnlySpan<byte> key)
    {
        var pins = Load();
        pins[server] = Convert.ToHexStringLower(key);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var (name, hex) in pins.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, hex);
            }

            writer.WriteEndObject();
        }

        AtomicFile.Write(Path, buffer.ToArray(), Mode);
    }

    /// <summary>A key as people compare it: the fingerprint the room server logs (<c>key=..</c>, <see cref="RoomServerIdentity.Fingerprint"/>).</summary>
    public static string Fingerprint(ReadOnlySpan<byte> key) => RoomServerIdentity.Fingerprint(key);

    private Dictionary<string, string> Load()
    {
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(Path))
        {
            return pins;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.GetString() is { Length: 64 } hex && hex.All(char.IsAsciiHexDigit))
                {
                    pins[property.Name] = hex.ToLowerInvariant();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            log($"rooms: {Path} is not readable ({e.Message}); pins start empty");
        }

        return pins;
    }
}
