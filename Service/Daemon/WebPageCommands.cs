using PicoTalk.Protocol.Control;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The smaller control commands the web page needs (ui-spec "Control socket additions"): <c>mute</c>,
/// <c>history</c>, <c>log</c> and <c>tone</c>. What reads or changes the appliance runs on the loop;
/// the log is thread-safe and is read where the request arrives.
/// </summary>
internal static class WebPageCommands
{
    public const int DefaultLogLines = 100;
    public const int DefaultToneSeconds = 2;
    public const int MaxToneSeconds = 10;

    public static async Task<ControlReply> MuteAsync(PicoTalkDaemon daemon, ControlRequest request)
    {
        if (!request.TryReadArgs(ControlJsonContext.Default.MuteArgs, out var args, out string problem) || args!.Muted is not { } muted)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                problem.Length > 0 ? problem : "muted: mute needs true or false");
        }

        return await daemon.Loop.InvokeAsync(() =>
        {
            daemon.Appliance.SetMuted(muted);
            return ControlReply.Success(request.Id, daemon.Appliance.Summary(), ControlJsonContext.Default.DeviceSummary);
        }).ConfigureAwait(false);
    }

    public static Task<ControlReply> HistoryAsync(PicoTalkDaemon daemon, ControlRequest request) =>
        daemon.Loop.InvokeAsync(() => ControlReply.Success(request.Id, daemon.History.Result(), ControlJsonContext.Default.HistoryResult));

    public static ControlReply Log(DaemonLog log, ControlRequest request)
    {
        var args = new LogArgs();
        if (request.Args is not null && !request.TryReadArgs(ControlJsonContext.Default.LogArgs, out args, out string problem))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
        }

        int lines = args!.Lines ?? DefaultLogLines;
        if (lines is < 1 or > DaemonLog.RecentCapacity)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, $"lines: must be 1 to {DaemonLog.RecentCapacity}");
        }

        var result = new LogResult(log.Recent(lines).Select(l => new LogLine(l.Time, l.Level, l.Message)).ToArray());
        return ControlReply.Success(request.Id, result, ControlJsonContext.Default.LogResult);
    }

    public static async Task<ControlReply> ToneAsync(PicoTalkDaemon daemon, ControlRequest request)
    {
        var args = new ToneArgs();
        if (request.Args is not null && !request.TryReadArgs(ControlJsonContext.Default.ToneArgs, out args, out string problem))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
        }

        int seconds = args!.Seconds ?? DefaultToneSeconds;
        if (seconds is < 1 or > MaxToneSeconds)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, $"seconds: must be 1 to {MaxToneSeconds}");
        }

        return await daemon.Loop.InvokeAsync(() =>
        {
            CallCommandResult result = daemon.Appliance.PlayTestTone(TimeSpan.FromSeconds(seconds));
            return result.Success
                ? ControlReply.Success(request.Id, daemon.Appliance.Summary(), ControlJsonContext.Default.DeviceSummary)
                : ControlReply.Failure(request.Id, result.ErrorCode!, result.Message!);
        }).ConfigureAwait(false);
    }
}
