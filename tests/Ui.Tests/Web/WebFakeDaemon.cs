using System.Collections.Concurrent;
using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Control;

namespace PicoTalk.Ui.Tests.Web;

/// <summary>
/// The daemon as the web page's server sees it: the real <see cref="ControlServer"/> on a socket in
/// a temporary directory, answering from a table (status, config and a few commands by default),
/// recording requests, publishing events on demand, and able to stop and start again on the same
/// path, as picotalkd does when systemd restarts it.
/// </summary>
internal sealed class WebFakeDaemon : IControlHandler, IAsyncDisposable
{
    public const string OwnId = "fedcba9876543210fedcba9876543210fedcba98";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ptweb-");
    private ControlServer? _server;

    public WebFakeDaemon()
    {
        SocketPath = Path.Combine(_directory.FullName, "control.sock");
        Replies[ControlCommands.Status] = r => Ok(r, """{"state":"idle","id":"fedcba9876543210fedcba9876543210fedcba98","udp_port":5004,"version":"0.1.0","call":null,"drops":{},"dht":null,"uptime_seconds":7}""");
        Replies[ControlCommands.Id] = r => Ok(r, $$"""{"id":"{{OwnId}}"}""");
        Replies[ControlCommands.Answer] = r => Ok(r, """{"state":"in_call"}""");
        Replies[WebCommands.Config] = r =>
        {
            var args = r.Args!.Value;
            if (args.GetProperty("op").GetString() == ConfigOps.Get || !args.GetProperty("patch").TryGetProperty("opus", out _))
            {
                return Ok(r, """{"config":{"name":"Door","opus":{"bitrate":32000}},"restart_required":[]}""");
            }

            return ControlReply.Failure(r.Id, ControlErrorCodes.InvalidArgument,
                "opus.bitrate: must be 6000 to 510000 bit/s\nopus.complexity: must be 0 to 10");
        };
        Start();
    }

    public string SocketPath { get; }

    public ConcurrentQueue<ControlRequest> Requests { get; } = new();

    public ConcurrentDictionary<string, Func<ControlRequest, ControlReply>> Replies { get; } = new();

    public int SubscriberCount => _server?.ConnectionCount ?? 0;

    public static ControlReply Ok(ControlRequest request, string json)
    {
        using var document = JsonDocument.Parse(json);
        return new ControlReply(request.Id, true, document.RootElement.Clone(), null);
    }

    public bool Received(string cmd) => Requests.Any(r => r.Cmd == cmd);

    public void Publish(ControlEvent evt) => _server!.Publish(evt);

    public void Start()
    {
        _server = new ControlServer(SocketPath, this);
        _server.Start();
    }

    /// <summary>Stops serving: every connection closes and the socket file goes.</summary>
    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    public Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        return Task.FromResult(Replies.TryGetValue(request.Cmd, out var reply)
            ? reply(request)
            : ControlReply.Failure(request.Id, ControlErrorCodes.UnknownCommand, $"unknown command '{request.Cmd}'"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Delete(recursive: true);
    }
}
