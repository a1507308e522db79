using System.Net;
using System.Runtime.InteropServices;
using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;
using PicoTalk.Service.Control;
using PicoTalk.Service.Identity;
using PicoTalk.Service.Loop;
using PicoTalk.Service.Media;
using PicoTalk.Service.Net;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The composition root of <c>picotalkd</c>: builds the layers bottom-up around the one event loop
/// and the one UDP socket, starts them, prints the ready line, and takes them down in reverse.
/// </summary>
public sealed class PicoTalkDaemon : IAsyncDisposable
{
    private readonly DaemonLog _log;
    private readonly EventLoop _loop;
    private readonly UdpTransport _transport;
    private readonly ApplianceCore _core;
    private readonly ControlServer _control;
    private readonly ITimer _tick;
    private readonly IdentityKey _identity;

    private PicoTalkDaemon(DaemonSettings settings, DaemonLog log, TimeProvider time)
    {
        _log = log;
        Settings = settings;
        _identity = IdentityStore.LoadOrCreate(settings.StateDirectory, log.Info);
        var drops = new DropCounters();
        var dispatcher = new PacketDispatcher(drops);
        _loop = new EventLoop(time, e => _log.Error($"loop: {e}"));
        _transport = new UdpTransport(settings.BindAddress, settings.Config.UdpPort, _loop, dispatcher, drops);

        var config = settings.Config;
        var media = new DeviceCallMediaFactory(_loop, settings.AudioIn, settings.AudioOut, config.EncoderSettings(),
            config.JitterTargetFrames, time, log);
        Events = new ControlEvents();
        _core = new ApplianceCore(_identity, _loop, dispatcher, drops, _transport, media, Events, new CallOptions
        {
            Name = config.Name,
            RingTimeout = TimeSpan.FromSeconds(config.Calls.RingTimeoutSeconds),
        }, log.Info);

        _control = new ControlServer(settings.ControlPath, new DaemonControlHandler(this), log.Info);
        Events.Server = _control;
        _tick = _core.StartTicking();
    }

    public DaemonSettings Settings { get; }

    public NodeId Id => _identity.Id;

    public int UdpPort => _transport.LocalPort;

    public DropCounters Drops => _core.Drops;

    internal EventLoop Loop => _loop;

    internal CallController Calls => _core.Calls;

    internal ControlEvents Events { get; }

    public static PicoTalkDaemon Start(DaemonSettings settings, DaemonLog log, TimeProvider time)
    {
        var daemon = new PicoTalkDaemon(settings, log, time);
        daemon._loop.Start();
        daemon._transport.Start();
        daemon._control.Start();
        log.Plain($"ready id={daemon.Id} udp={daemon.UdpPort} control={settings.ControlPath}");
        return daemon;
    }

    public async ValueTask DisposeAsync()
    {
        _tick.Dispose();
        // Say goodbye to a peer in a call, so it does not wait for the silence timeout.
        try
        {
            await _loop.InvokeAsync(() => _core.Calls.Hangup()).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await _loop.InvokeAsync(() =>
            {
                _core.Calls.Shutdown();
                return true;
            }).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            _log.Warn($"shutdown: {e.Message}");
        }

        await _control.DisposeAsync().ConfigureAwait(false);
        _transport.Dispose();
        _loop.Dispose();
        _identity.Dispose();
    }
}

/// <summary>Everything the daemon runs with, after the command line has overridden the config file.</summary>
public sealed record DaemonSettings(
    string StateDirectory,
    string ConfigPath,
    string ControlPath,
    DaemonConfig Config,
    IPAddress BindAddress,
    AudioDeviceSpec AudioIn,
    AudioDeviceSpec AudioOut);
