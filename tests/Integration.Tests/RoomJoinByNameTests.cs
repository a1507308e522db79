using System.Diagnostics;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 7, "join a room by room name through the DHT", with real processes on loopback: A runs
/// <c>--room-server</c> with <c>room_server.announce: ["lobby"]</c> and announces SHA-1("picotalk-room:"
/// + room id) on its own DHT node; B and C, bootstrapped to A, join with <c>picotalk rooms join lobby
/// PASSWORD NAME</c> (no HOST:PORT), A joins its own room the same way, and all three see each other
/// in <c>rooms members</c>; a name nobody announces fails with the clear error within the bound.
/// </summary>
public sealed class RoomJoinByNameTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task ThreeDaemonsJoinARoomByName_AndAnUnknownNameIsNotFoundWithinTheBound()
    {
        using var dir = new TempDirectory("room-by-name");
        string[] quiet = ["--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null"];
        DaemonProcess.WriteConfig(dir.File("a"), """{"room_server": {"announce": ["lobby"]}}""");
        await using var a = await DaemonProcess.StartAsync(dir.File("a"), [.. quiet, "--room-server", "--room-ports", "0,0,0"]);
        string bootstrap = $"127.0.0.1:{a.UdpPort}";
        await using var b = await DaemonProcess.StartAsync(dir.File("b"), [.. quiet, "--bootstrap", bootstrap]);
        await using var c = await DaemonProcess.StartAsync(dir.File("c"), [.. quiet, "--bootstrap", bootstrap]);
        try
        {
            var joinB = await JoinByNameAsync(b, "Bee");
            Assert.Contains("room: joined lobby on 127.0.0.1:", joinB.Stdout, StringComparison.Ordinal);
            Assert.Contains("server: found by the room's name on the DHT", joinB.Stdout, StringComparison.Ordinal);
            Assert.Contains("server key: first use", joinB.Stdout, StringComparison.Ordinal);
            Assert.Contains("\"room:", File.ReadAllText(Path.Combine(dir.File("b"), RoomServerPins.FileName)), StringComparison.Ordinal);
            await JoinByNameAsync(c, "Cee");
            await JoinByNameAsync(a, "Ay");

            foreach (var (daemon, others) in new[] { (a, new[] { "Bee", "Cee" }), (b, ["Ay", "Cee"]), (c, ["Ay", "Bee"]) })
            {
                await PollAsync(async () =>
                {
                    string members = (await daemon.CliAsync("rooms", "members")).Stdout;
                    return others.All(name => members.Split('\n').Any(l => l.StartsWith("member ", StringComparison.Ordinal)
                        && l.TrimEnd().EndsWith(": " + name, StringComparison.Ordinal)));
                }, $"{daemon.StateDirectory} sees {string.Join(" and ", others)}");
            }

            Assert.Equal(0, (await c.CliAsync("rooms", "leave")).ExitCode);
            var clock = Stopwatch.StartNew();
            var unknown = await c.CliAsync("rooms", "join", "nosuchroom", "pw");
            var took = clock.Elapsed;
            output.WriteLine($"unknown name answered in {took.TotalMilliseconds:F0} ms");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("room: no server announces 'nosuchroom' on the DHT", unknown.Stderr, StringComparison.Ordinal);
            Assert.True(took < RoomController.FindTimeout + TimeSpan.FromSeconds(3), $"took {took}");
        }
        finally
        {
            output.WriteLine($"--- A ---\n{a.Output}\n--- B ---\n{b.Output}\n--- C ---\n{c.Output}");
        }
    }

    /// <summary>
    /// Joins "lobby" by name; while the DHT is still forming (A's announce goes out once a node is in
    /// its table) the answer may be "no server announces": asked again until the deadline.
    /// </summary>
    private async Task<CliResult> JoinByNameAsync(DaemonProcess daemon, string name)
    {
        var clock = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            var result = await daemon.CliAsync("rooms", "join", "lobby", "pw", name);
            if (result.ExitCode == 0)
            {
                output.WriteLine($"{name} joined by name on attempt {attempt}, {clock.ElapsedMilliseconds} ms after the first");
                return result;
            }

            Assert.True(result.Stderr.Contains("no server announces 'lobby'", StringComparison.Ordinal) && clock.Elapsed < Timeout, result.ToString());
            await Task.Delay(250);
        }
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within the deadline: {what}");
            await Task.Delay(100);
        }
    }
}
