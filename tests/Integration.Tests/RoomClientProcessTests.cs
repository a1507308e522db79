using System.Text.RegularExpressions;
using PicoTalk.Service.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 7, appliance side, with real processes: one <c>picotalkd --room-server</c> and two
/// appliances that join it through <c>picotalk rooms join</c>; chat from one arrives as a
/// <c>room_chat</c> event at the other, and a 1 kHz tone from one appliance's input plays on the
/// other's output (48 kHz -> 16 kHz room -> 48 kHz).
/// </summary>
public sealed partial class RoomClientProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<string?> CallLedAsync(DaemonProcess daemon) =>
        System.Text.Json.JsonDocument.Parse((await daemon.CliAsync("status", "--json")).Stdout).RootElement
            .GetProperty("device").GetProperty("call_led").GetString();

    [Fact]
    public async Task TwoAppliancesChatAndHearEachOtherThroughARoomServer()
    {
        using var dir = new TempDirectory("room-clients");
        string tone = dir.File("tone.wav");
        string heard = dir.File("heard.wav");
        WavTestFiles.Write(tone, WavTestFiles.Tone(1_000, 8_000, 48_000));

        await using var server = await DaemonProcess.StartAsync(dir.File("server"), "--no-lan-discovery", "--room-server", "--room-ports", "0,0,0");
        var line = RoomLine().Match(server.Output);
        Assert.True(line.Success, server.Output);
        string address = "127.0.0.1:" + line.Groups["tcp"].Value;

        await using var a = await DaemonProcess.StartAsync(dir.File("a"), "--no-lan-discovery", "--audio-in", "wav:" + tone, "--audio-out", "null");
        await using var b = await DaemonProcess.StartAsync(dir.File("b"), "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "wav:" + heard);
        await using var eventsB = await EventStream.OpenAsync(b);

        var joinB = await b.CliAsync("rooms", "join", address, "lobby", "pw", "Bee");
        Assert.True(joinB.ExitCode == 0, joinB.ToString());
        Assert.Contains($"room: joined lobby on {address} (server key {line.Groups["key"].Value})", joinB.Stdout, StringComparison.Ordinal);
        // In a room the call LED is on, as in a call; off again after leaving (checked below).
        Assert.Equal("on", await CallLedAsync(b));
        var joinA = await a.CliAsync("rooms", "join", address, "lobby", "pw", "Ay");
        Assert.True(joinA.ExitCode == 0, joinA.ToString());
        Assert.Contains(File.ReadAllText(Path.Combine(dir.File("b"), RoomServerPins.FileName)), File.ReadAllText(Path.Combine(dir.File("a"), RoomServerPins.FileName)), StringComparison.Ordinal);

        // A hears of B once their pairwise password exchange is done.
        string members = "";
        await PollAsync(async () => (members = (await a.CliAsync("rooms", "members")).Stdout).Split('\n').Any(l => l.TrimEnd().EndsWith(": Bee", StringComparison.Ordinal)), () => members);
        var say = await a.CliAsync("rooms", "say", "hello", "Bee");
        Assert.True(say.ExitCode == 0, say.ToString());
        var chat = await eventsB.WaitForAsync("room_chat", timeout: Timeout);
        Assert.Equal(("Ay", "hello Bee"), (chat.GetProperty("name").GetString(), chat.GetProperty("text").GetString()));

        Assert.Equal(0, (await a.CliAsync("rooms", "talk", "on")).ExitCode);
        long talkedAt = new FileInfo(heard).Length;
        await PollAsync(() => Task.FromResult(new FileInfo(heard).Length > talkedAt + (3 * 48_000 * 2)));
        Assert.Equal(0, (await b.CliAsync("rooms", "leave")).ExitCode);
        Assert.Equal("off", await CallLedAsync(b));

        // The sink is closed off the loop after the leave: poll until the file reads whole.
        short[] samples = [];
        await PollAsync(() =>
        {
            try
            {
                samples = WavTestFiles.Read(heard);
                return Task.FromResult(samples.Length > 3 * 48_000);
            }
            catch (Exception e) when (e is IOException or PicoTalk.Hal.Audio.WavFormatException)
            {
                return Task.FromResult(false);
            }
        });

        double best = 0;
        for (int start = 0; start + 24_000 <= samples.Length; start += 24_000)
        {
            best = Math.Max(best, AudioAnalysis.ToneMagnitude(samples.AsSpan(start, 24_000), 48_000, 1_000));
        }

        // 8000 sent; the room mixes it and the two resamplers pass 1 kHz within 1 dB each.
        Assert.True(best > 4_000, $"1 kHz at {best:F0} in what B played ({samples.Length} samples)");
    }

    private static async Task PollAsync(Func<Task<bool>> condition, Func<string>? last = null)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within the deadline; last: {last?.Invoke()}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"room server tcp=(?<tcp>\d+) udp=(?<udp>\d+) ws=(?<ws>\d+) key=(?<key>[0-9a-f]{16})")]
    private static partial Regex RoomLine();
}
