using PicoTalk.Protocol.Control;

namespace PicoTalk.Service.Control;

/// <summary>
/// The daemon's side of the control socket: answers one request (every command except
/// <c>events</c>, which the server answers itself). Called from a connection's task; the daemon's
/// implementation posts the work to its event loop (STYLE.md 6) and completes the task there.
/// Returns an error reply rather than throwing; if it throws anyway the server replies
/// <c>internal</c> and keeps the connection. Commands it does not know get <c>unknown_command</c>.
/// </summary>
public interface IControlHandler
{
    Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken);
}
