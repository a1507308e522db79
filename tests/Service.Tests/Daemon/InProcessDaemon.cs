using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Daemon;

namespace PicoTalk.Service.Tests.Daemon;

/// <summary>
/// A whole <see cref="PicoTalkDaemon"/> in the test process (loopback UDP on a free port, simulated
/// GPIO, silent microphone, no LAN discovery), its control commands sent straight to
/// <see cref="DaemonControlHandler"/>: the handler-level tests of issue 6's commands.
/// </summary>
internal sealed class InProcessDaemon : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _dir;
    private readonly DaemonControlHandler _handler;
    private long _nextId = 1;

    private InProcessDaemon(DirectoryInfo dir, PicoTalkDaemon daemon, StringWriter output)
    {
        _dir = dir;
        Daemon = daemon;
        Output = output;
        _handler = new DaemonControlHandler(daemon);
    }

    public PicoTalkDaemon Daemon { get; }

    public StringWriter Output { get; }

    public string ConfigPath => Daemon.Settings.ConfigPath;

    /// <summary>Starts a daemon; <paramref name="configJson"/>, when given, is its config.json.</summary>
    public static InProcessDaemon Start(TimeProvider? time = null, string? configJson = null)
    {
        var dir = Directory.CreateTempSubdirectory("ptd-");
        if (configJson is not null)
        {
            File.WriteAllText(Path.Combine(dir.FullName, "config.json"), configJson);
        }

        var arguments = DaemonArguments.Parse(["--state-dir", dir.FullName, "--port", "0", "--bind", "127.0.0.1",
            "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null", "--gpio", "sim",
            "--control", Path.Combine(dir.FullName, "c.sock")]);
        var output = new StringWriter();
        var clock = time ?? TimeProvider.System;
        var daemon = PicoTalkDaemon.Start(Program.Resolve(arguments), new DaemonLog(TextWriter.Synchronized(output), clock, journal: false), clock);
        return new InProcessDaemon(dir, daemon, output);
    }

    public Task<ControlReply> SendAsync(string cmd, string? argsJson = null)
    {
        var request = new ControlRequest(Interlocked.Increment(ref _nextId), cmd,
            argsJson is null ? null : JsonDocument.Parse(argsJson).RootElement.Clone());
        return _handler.HandleAsync(request, CancellationToken.None).WaitAsync(Timeout);
    }

    /// <summary>The result of a command that must succeed.</summary>
    public async Task<JsonElement> OkAsync(string cmd, string? argsJson = null)
    {
        var reply = await SendAsync(cmd, argsJson);
        Assert.True(reply.Ok, $"{cmd}: {reply.Error?.Code}: {reply.Error?.Message}");
        return reply.Result!.Value;
    }

    /// <summary>Polls <c>status</c> until <paramref name="done"/> holds (a real clock and a real socket are involved).</summary>
    public async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var status = await OkAsync(ControlCommands.Status);
            if (done(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; last status {status}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        _dir.Delete(recursive: true);
    }
}
