using System.Security.Cryptography;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Rooms;

public sealed class RoomServerPartsTests
{
    [Fact]
    public void AcceptKeyMatchesRfc6455Example()
    {
        // RFC 6455 §1.3: key "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketUpgrade.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void UpgradeAcceptsOnlyAWebSocketGetOfWs()
    {
        const string Good = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13";
        Assert.True(WebSocketUpgrade.TryAccept(Good, out string response));
        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response, StringComparison.Ordinal);

        Assert.False(WebSocketUpgrade.TryAccept(Good.Replace("/ws", "/other", StringComparison.Ordinal), out response));
        Assert.StartsWith("HTTP/1.1 404", response, StringComparison.Ordinal);
        Assert.False(WebSocketUpgrade.TryAccept(Good.Replace("Version: 13", "Version: 8", StringComparison.Ordinal), out response));
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.False(WebSocketUpgrade.TryAccept(Good.Replace("GET", "POST", StringComparison.Ordinal), out _));
        Assert.False(WebSocketUpgrade.TryAccept("", out _));
    }

    [Fact]
    public void IdentityIsCreatedOnceMode0600AndReloaded()
    {
        using var dir = new TempDirectory("roomkey");
        var lines = new List<string>();
        using var first = RoomServerIdentity.LoadOrCreate(dir.Path, lines.Add);
        string path = dir.File(RoomServerIdentity.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(lines);
        using var again = RoomServerIdentity.LoadOrCreate(dir.Path, lines.Add);
        Assert.Equal(first.PublicKey.ToArray(), again.PublicKey.ToArray());
        Assert.Single(lines);

        string fingerprint = RoomServerIdentity.Fingerprint(first.PublicKey);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.PublicKey))[..16], fingerprint);

        File.WriteAllBytes(path, new byte[31]);
        Assert.Throws<InvalidDataException>(() => RoomServerIdentity.LoadOrCreate(dir.Path, lines.Add));
    }

    [Fact]
    public void RateLimiterAllowsOneSecondOfBurstThenTheRate()
    {
        var clock = new FakeTimeProvider();
        var limiter = new RateLimiter(clock, 10);
        Assert.Equal(10, Enumerable.Range(0, 20).Count(_ => limiter.TryTake()));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryTake()));
    }
}
