using PicoTalk.Protocol.Control;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Control;

namespace PicoTalk.Service.Daemon;

/// <summary><c>press</c> and <c>release</c>: the appliance's buttons from the control socket (DESIGN.md
/// "Command line contract": <c>picotalk press|release BUTTON</c>).</summary>
internal sealed partial class DaemonControlHandler
{
    /// <summary>The longest a <c>press</c> may hold a button: enough for any long press.</summary>
    public const int MaxPressMilliseconds = 60_000;

    private async Task<ControlReply> ButtonAsync(ControlRequest request)
    {
        bool press = request.Cmd == ControlCommands.Press;
        string? name;
        TimeSpan? hold = null;
        if (press)
        {
            if (!request.TryReadArgs(ControlJsonContext.Default.PressArgs, out var args, out string problem))
            {
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
            }

            name = args?.Button;
            if (args is { Ms: { } ms } && (ms < 1 || ms > MaxPressMilliseconds))
            {
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, $"ms: must be 1 to {MaxPressMilliseconds}");
            }

            hold = args is { Hold: true } ? null : TimeSpan.FromMilliseconds(args?.Ms ?? (int)ApplianceController.DefaultPress.TotalMilliseconds);
        }
        else
        {
            if (!request.TryReadArgs(ControlJsonContext.Default.ReleaseArgs, out var args, out string problem))
            {
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
            }

            name = args?.Button;
        }

        if (!ButtonMap.TryParse(name, out var button))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "button: must be ANSWER, CALL or PTT");
        }

        return await daemon.Loop.InvokeAsync(() =>
        {
            if (press)
            {
                daemon.Appliance.Press(button, hold);
            }
            else
            {
                daemon.Appliance.Release(button);
            }

            return ControlReply.Success(request.Id, daemon.Appliance.Summary(), ControlJsonContext.Default.DeviceSummary);
        }).ConfigureAwait(false);
    }
}
