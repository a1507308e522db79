using System.Text.RegularExpressions;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 7 with a real <c>picotalkd</c>: <c>--room-server --room-ports 0,0,0</c> logs its ports and
/// key fingerprint, and two members of one room hear each other through it while it also runs the
/// call stack.
/// </summary>
public sealed partial class RoomServerProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DaemonServesARoomAndLogsItsKey()
    {
        using var state = new PicoTalk.TestSupport.TempDirectory("room-daemon");
        await using var daemon = await DaemonProcess.StartAsync(state.Path, "--no-lan-discovery", "--room-server", "--room-ports", "0,0,0");
        var line = RoomLine().Match(daemon.Output);
        Assert.True(line.Success, daemon.Output);
        int tcp = int.Parse(line.Groups["tcp"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(File.Exists(Path.Combine(state.Path, RoomServerIdentity.FileName)));

        var options = new RoomClientOptions { Host = "127.0.0.1", Port = tcp, Transport = RoomTransport.Udp, RoomName = "gate", Password = "pw" };
        await using var a = await RoomClientSession.ConnectAsync(options with { UserName = "a" }, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(RoomClientState.Authenticated, await a.Settled.WaitAsync(Timeout));
        Assert.Equal(line.Groups["key"].Value, RoomServerIdentity.Fingerprint(a.ServerIdentityKey));
        await using var b = await RoomClientSession.ConnectAsync(options with { UserName = "b" }, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(RoomClientState.Authenticated, await b.Settled.WaitAsync(Timeout));

        var tone = new short[512];
        for (int n = 0; n < tone.Length; n++)
        {
            tone[n] = (short)(3000 * Math.Sin(2 * Math.PI * 20 * n / 512));
        }

        var heard = new TaskCompletionSource<short[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.AudioReceived += (samples, senders) =>
        {
            if (senders.Contains(a.UserId))
            {
                heard.TrySetResult(samples.ToArray());
            }
        };
        a.AudioSource = () => tone;
        b.AudioSource = () => new short[512];
        Assert.Equal(tone, await heard.Task.WaitAsync(Timeout));
    }

    [GeneratedRegex(@"room server tcp=(?<tcp>\d+) udp=(?<udp>\d+) ws=(?<ws>\d+) key=(?<key>[0-9a-f]{16})")]
    private static partial Regex RoomLine();
}
