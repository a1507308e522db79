using System.Text;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>The <c>room_server.announce</c> key (issue 7: rooms found by name before anyone is in them): read, and refused when it makes no sense.</summary>
public sealed class RoomServerAnnounceConfigTests
{
    private static DaemonConfig Parse(string json) => ConfigStore.Parse("config.json", Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TheKey_IsRead_AndEmptyByDefault()
    {
        Assert.Empty(Parse("{}").RoomServer.Announce);
        Assert.Equal(["lobby", "hall"], Parse("""{"room_server": {"announce": ["lobby", "hall"]}}""").RoomServer.Announce);
    }

    [Theory]
    [InlineData("""{"room_server": {"announce": [""]}}""", "room_server.announce[0]")]
    [InlineData("""{"room_server": {"announce": ["a", "a"]}}""", "room_server.announce[1]")]
    public void Nonsense_IsRefused_NamingTheEntry(string json, string key)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(json));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreThanTheBound_IsRefused()
    {
        var config = new DaemonConfig { RoomServer = new RoomServerConfig { Announce = [.. Enumerable.Range(0, RoomServerConfig.MaxAnnounced + 1).Select(i => $"room {i}")] } };
        Assert.Contains(config.Validate(), e => e.Key == "room_server.announce");
        config.RoomServer.Announce.RemoveAt(0);
        Assert.DoesNotContain(config.Validate(), e => e.Key.StartsWith("room_server", StringComparison.Ordinal));
    }
}
