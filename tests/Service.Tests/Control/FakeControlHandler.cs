using System.Collections.Concurrent;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Tests.Control;

/// <summary>
/// A hand-written <see cref="IControlHandler"/>: records requests and answers by command.
/// <c>id</c> and <c>status</c> succeed, <c>answer</c> fails with invalid_state, <c>boom</c> throws,
/// <c>wrong-id</c> replies with another id, <c>hold</c> waits for <see cref="Release"/>.
/// </summary>
internal sealed class FakeControlHandler : IControlHandler
{
    public const string OwnId = "fedcba9876543210fedcba9876543210fedcba98";

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _holdStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a <c>hold</c> request reaches the handler.</summary>
    public Task HoldStarted => _holdStarted.Task;

    public ConcurrentQueue<ControlRequest> Requests { get; } = new();

    public void Release() => _released.TrySetResult();

    public async Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        switch (request.Cmd)
        {
            case ControlCommands.Id:
                return ControlReply.Success(request.Id, new IdResult(OwnId), ControlJsonContext.Default.IdResult);
            case ControlCommands.Status:
                return ControlReply.Success(request.Id,
                    new StatusResult(ControlStates.Idle, OwnId, 5004, "0.1.0", null, new Dictionary<string, long>()),
                    ControlJsonContext.Default.StatusResult);
            case ControlCommands.Answer:
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidState, "nothing is ringing");
            case "boom":
                throw new InvalidOperationException("handler bug");
            case "wrong-id":
                return ControlReply.Success(request.Id + 100, new StateResult(ControlStates.Idle), ControlJsonContext.Default.StateResult);
            case "hold":
                _holdStarted.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
                return ControlReply.Success(request.Id, new StateResult(ControlStates.Idle), ControlJsonContext.Default.StateResult);
            default:
                return ControlReply.Failure(request.Id, ControlErrorCodes.UnknownCommand, $"unknown command '{request.Cmd}'");
        }
    }
}
