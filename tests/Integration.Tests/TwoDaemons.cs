using PicoTalk.TestSupport;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Two real <c>picotalkd</c> on loopback (no LAN discovery, silent input, null output), each with an
/// event stream open: the set-up of the tests that ring one appliance from the other. B may get a
/// config written first, built from A (whose ID it may name as a contact).
/// </summary>
public sealed class TwoDaemons : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly ITestOutputHelper _output;

    private TwoDaemons(TempDirectory dir, ITestOutputHelper output)
    {
        _dir = dir;
        _output = output;
    }

    public DaemonProcess A { get; private set; } = null!;

    public DaemonProcess B { get; private set; } = null!;

    public EventStream AEvents { get; private set; } = null!;

    public EventStream BEvents { get; private set; } = null!;

    public static async Task<TwoDaemons> StartAsync(string name, ITestOutputHelper output, Func<DaemonProcess, string>? configB = null)
    {
        var pair = new TwoDaemons(new TempDirectory(name), output);
        string[] args = ["--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null"];
        pair.A = await DaemonProcess.StartAsync(pair._dir.File("a"), args);
        if (configB is not null)
        {
            DaemonProcess.WriteConfig(pair._dir.File("b"), configB(pair.A));
        }

        pair.B = await DaemonProcess.StartAsync(pair._dir.File("b"), args);
        pair.AEvents = await EventStream.OpenAsync(pair.A);
        pair.BEvents = await EventStream.OpenAsync(pair.B);
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        _output.WriteLine($"--- A ---\n{A?.Output}\n--- B ---\n{B?.Output}");
        foreach (var events in new[] { AEvents, BEvents })
        {
            if (events is not null)
            {
                await events.DisposeAsync();
            }
        }

        foreach (var daemon in new[] { A, B })
        {
            if (daemon is not null)
            {
                await daemon.DisposeAsync();
            }
        }

        _dir.Dispose();
    }
}
