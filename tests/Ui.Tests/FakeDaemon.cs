using System.Collections.Concurrent;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Control;

namespace PicoTalk.Ui.Tests;

/// <summary>
/// The real <see cref="ControlServer"/> in a temporary directory, with a handler that records
/// each request and answers from a table the test fills in.
/// </summary>
internal sealed class FakeDaemon : IControlHandler, IAsyncDisposable
{
    public const string OwnId = "fedcba9876543210fedcba9876543210fedcba98";
    public const string PeerId = "0123456789abcdef0123456789abcdef01234567";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ptcli-");
    private readonly ControlServer _server;

    public FakeDaemon()
    {
        SocketPath = Path.Combine(_directory.FullName, "control.sock");
        _server = new ControlServer(SocketPath, this);
        _server.Start();
    }

    public string SocketPath { get; }

    public ConcurrentQueue<ControlRequest> Requests { get; } = new();

    /// <summary>Replies by command; a command not in the table gets unknown_command.</summary>
    public ConcurrentDictionary<string, Func<ControlRequest, ControlReply>> Replies { get; } = new();

    public static CallSummary Call() => new(PeerId, "127.0.0.1:40000", CallDirections.Outgoing, "Front door",
        new DateTimeOffset(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero), new CallMediaCounters(100, 98, 2, FecRecovered: 1, Late: 3, BitrateBps: 24500, JitterBufferMs: 40, LossPercent: 2.5, RoundTripMs: 31));

    public Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        return Task.FromResult(Replies.TryGetValue(request.Cmd, out var reply)
            ? reply(request)
            : ControlReply.Failure(request.Id, ControlErrorCodes.UnknownCommand, $"unknown command '{request.Cmd}'"));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
