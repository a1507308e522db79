using System.Text;

namespace PicoTalk.Service.Config;

/// <summary>
/// The room server (<c>room_server</c> in config.json; it runs with <c>--room-server</c>). Read at
/// start: a change applies at the next start.
/// </summary>
public sealed record RoomServerConfig
{
    /// <summary>
    /// Room names announced on the DHT for as long as the server runs, so they can be joined by name
    /// (<c>picotalk rooms join ROOM PASSWORD</c>) before anyone is in them. Rooms open on the server
    /// are announced anyway while they are open.
    /// </summary>
    public List<string> Announce { get; set; } = [];

    /// <summary>Half of what the DHT announces at once (DhtNode.MaxAnnouncedInfoHashes): the rest is for rooms opened by joins.</summary>
    public const int MaxAnnounced = 32;

    /// <summary>A room name's UTF-8 bytes at most (the name is hashed; this only keeps the file sane).</summary>
    public const int MaxNameBytes = 256;

    /// <summary>Adds every problem of the <c>room_server</c> section.</summary>
    internal void Validate(List<ConfigError> errors)
    {
        if (Announce.Count > MaxAnnounced)
        {
            errors.Add(new("room_server.announce", $"at most {MaxAnnounced} room names"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Announce.Count; i++)
        {
            string name = Announce[i];
            if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
            {
                errors.Add(new($"room_server.announce[{i}]", $"must be a room name of 1 to {MaxNameBytes} bytes"));
            }
            else if (!seen.Add(name))
            {
                errors.Add(new($"room_server.announce[{i}]", $"'{name}' is listed twice"));
            }
        }
    }
}
