using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>Exit codes of <c>picotalk</c> (DESIGN.md "Command line contract").</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The daemon answered <c>"ok":false</c>.</summary>
    public const int DaemonRefused = 1;

    /// <summary>Bad usage, or no (working) daemon at the socket path.</summary>
    public const int UsageOrNoDaemon = 2;
}

/// <summary>
/// The <c>picotalk</c> command line client of the control socket. Runs in-process over any pair
/// of writers so tests drive it directly; <see cref="ConsoleEntry"/> binds it to the console.
/// </summary>
public sealed class PicotalkCommandLine
{
    /// <summary>How long to wait for the daemon's reply before calling it unresponsive.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    public const string Usage = """
        usage: picotalk [--control PATH] <command> [args] [--json]

        commands:
          status              the daemon's state, identity and current call
          id                  this appliance's ID (40 hex digits)
          devices             the audio devices in use and the ones audio.input/output can name
          dial <ID|HOST:PORT> call an appliance by ID, address, or HOST:PORT/ID
          answer              answer the ringing call
          hangup              end or reject the current call
          reject              refuse the call that is ringing
          mute [on|off]       mute (default) or unmute the microphone
          history             the latest calls, newest first
          log [N]             the daemon's latest N log lines (default 100, at most 200)
          tone [SECONDS]      play a 1 kHz test tone on the speaker (default 2 s, at most 10)
          config [get [KEY]]  the stored settings (or one dotted KEY), and what waits for a restart
          config set KEY VALUE [KEY VALUE ...]
                              change settings: VALUE is JSON (20, true, ["a:1"], null for the
                              default) or else a bare string; refused whole if any is invalid
          contacts            list the contacts
          contacts add NAME ID [--auto-answer] [--door]
                              add a contact: its calls answered automatically, may open the door
          contacts remove NAME
                              remove a contact (names are matched without case)
          rooms [members]     the room this appliance is in, and its members
          rooms join [HOST:PORT] ROOM PASSWORD [NAME] [tcp|udp|ws] [accept-new-key]
                              join a room (udp by default; the server's key is pinned on
                              first use, accept-new-key trusts a changed one); without
                              HOST:PORT the room's server is found by name on the DHT
          rooms leave | rooms say TEXT | rooms talk on|off
                              leave, chat, or send the microphone to the room (or stop)
          events              print events as they happen until the daemon stops or Ctrl-C
          press BUTTON [MS|hold]
                              press ANSWER, CALL or PTT (a click; MS milliseconds; or
                              held until 'release')
          release BUTTON      let go of a held button
          door                ask the appliance in the call to open its door
          ui [--urls URL] [--state-dir DIR] [--https]
                              serve the web page (see 'picotalk ui --help')

        options:
          --control PATH      control socket (default: $PICOTALK_CONTROL, else
                              $RUNTIME_DIRECTORY/control.sock, else /run/picotalkd/control.sock)
          --json              print the daemon's result object as JSON (for events: the
                              subscription's result, then one line per event)
          -h, --help          show this help

        exit codes: 0 ok, 1 the daemon said no, 2 bad usage or no daemon
        """;

    // Commands this client knows and how many operands each takes (at least, at most).
    private static readonly Dictionary<string, (int Min, int Max)> Operands = new(StringComparer.Ordinal)
    {
        [ControlCommands.Status] = (0, 0),
        [ControlCommands.Id] = (0, 0),
        [ControlCommands.Devices] = (0, 0),
        [ControlCommands.Dial] = (1, 1),
        [ControlCommands.Answer] = (0, 0),
        [ControlCommands.Hangup] = (0, 0),
        [ControlCommands.Events] = (0, 0),
        [ControlCommands.Press] = (1, 2),
        [ControlCommands.Release] = (1, 1),
        [ApplianceCommands.Door] = (0, 0),
        [ControlCommands.Contacts] = (0, int.MaxValue), // checked by TryContactsArguments
        [RoomsNames.Command] = (0, int.MaxValue), // checked by RoomsCommandLine.TryArguments
    };

    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;

    public PicotalkCommandLine(TextWriter stdout, TextWriter stderr, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        _stdout = stdout;
        _stderr = stderr;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Runs one invocation and returns its exit code; <paramref name="cancellationToken"/> is Ctrl-C.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        if (!CommandLineArguments.TryParse(args, out var parsed, out string parseError))
        {
            return UsageError(parseError);
        }

        if (parsed!.Help)
        {
            _stdout.WriteLine(Usage);
            return ExitCodes.Ok;
        }

        if (parsed.Command is not { } command)
        {
            return UsageError("no command given");
        }

        if (!Operands.TryGetValue(command, out var operandCount) && !WebCommandLine.Operands.TryGetValue(command, out operandCount))
        {
            return UsageError($"unknown command '{command}'");
        }

        JsonElement? arguments = null;
        if (command == ControlCommands.Contacts)
        {
            if (!TryContactsArguments(parsed, out arguments, out string usage))
            {
                return UsageError(usage);
            }
        }
        else if (parsed.AutoAnswer || parsed.Door)
        {
            return UsageError($"{(parsed.AutoAnswer ? CommandLineArguments.AutoAnswerOption : CommandLineArguments.DoorOption)} is for 'contacts add'");
        }
        else if (parsed.Operands.Count < operandCount.Min || parsed.Operands.Count > operandCount.Max)
        {
            return UsageError(operandCount.Max == 0
                ? $"'{command}' takes no arguments"
                : operandCount.Min == operandCount.Max
                    ? $"'{command}' takes {operandCount.Min} argument(s), got {parsed.Operands.Count}"
                    : $"'{command}' takes {operandCount.Min} to {operandCount.Max} arguments, got {parsed.Operands.Count}");
        }

        if (command == ControlCommands.Press && parsed.Operands.Count == 2 && !IsPressDuration(parsed.Operands[1]))
        {
            return UsageError($"press: '{parsed.Operands[1]}' is neither milliseconds (1 to 60000) nor 'hold'");
        }

        if (command == RoomsNames.Command && !RoomsCommandLine.TryArguments(parsed.Operands, out arguments, out string roomsUsage))
        {
            return UsageError(roomsUsage);
        }

        if (WebCommandLine.Operands.ContainsKey(command) && !WebCommandLine.TryArguments(command, parsed.Operands, out arguments, out string webUsage))
        {
            return UsageError(webUsage);
        }

        string path = ControlSocketPath.Resolve(parsed.ControlPath, _environment);
        // Armed before connecting, so the whole exchange with the daemon is bounded.
        using var replyTimeout = new CancellationTokenSource(ReplyTimeout, _time);
        using var untilReply = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, replyTimeout.Token);
        try
        {
            await using var client = await ControlClient.ConnectAsync(path, untilReply.Token).ConfigureAwait(false);
            var reply = await client.RequestAsync(command, arguments ?? Arguments(command, parsed.Operands), untilReply.Token).ConfigureAwait(false);
            if (!reply.Ok)
            {
                _stderr.WriteLine($"error: {reply.Error!.Code}: {reply.Error.Message}");
                return ExitCodes.DaemonRefused;
            }

            if (command == ControlCommands.Events)
            {
                // With --json the subscription's own result comes first, so a script knows that
                // no event after this line can be missed.
                if (parsed.Json)
                {
                    _stdout.WriteLine(reply.Result!.Value.GetRawText());
                    await _stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }

                return await PrintEventsAsync(client, parsed.Json, cancellationToken).ConfigureAwait(false);
            }

            if (!parsed.Json && command == WebCommands.Config)
            {
                return PrintConfig(reply, parsed.Operands);
            }

            Print(command, reply, parsed.Json);
            return ExitCodes.Ok;
        }
        catch (ControlUnavailableException e)
        {
            _stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.UsageOrNoDaemon;
        }
        catch (ControlProtocolException e)
        {
            _stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.UsageOrNoDaemon;
        }
        catch (JsonException e)
        {
            _stderr.WriteLine($"error: picotalkd at {path} sent a result this client cannot read: {e.Message}");
            return ExitCodes.UsageOrNoDaemon;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _stderr.WriteLine("error: interrupted before picotalkd replied");
            return ExitCodes.UsageOrNoDaemon;
        }
        catch (OperationCanceledException) when (replyTimeout.IsCancellationRequested)
        {
            _stderr.WriteLine($"error: picotalkd at {path} did not reply within {ReplyTimeout.TotalSeconds:0} s");
            return ExitCodes.UsageOrNoDaemon;
        }
    }

    private static JsonElement? Arguments(string command, IReadOnlyList<string> operands) => command switch
    {
        ControlCommands.Dial => JsonSerializer.SerializeToElement(new DialArgs(operands[0]), ControlJsonContext.Default.DialArgs),
        ControlCommands.Press => JsonSerializer.SerializeToElement(PressArguments(operands), ControlJsonContext.Default.PressArgs),
        ControlCommands.Release => JsonSerializer.SerializeToElement(new ReleaseArgs(operands[0]), ControlJsonContext.Default.ReleaseArgs),
        _ => null,
    };

    /// <summary><c>press BUTTON</c> (a click), <c>press BUTTON MS</c>, <c>press BUTTON hold</c> (until <c>release</c>).</summary>
    private static PressArgs PressArguments(IReadOnlyList<string> operands) =>
        operands.Count < 2 ? new PressArgs(operands[0])
        : operands[1] == "hold" ? new PressArgs(operands[0], Hold: true)
        : new PressArgs(operands[0], int.Parse(operands[1], System.Globalization.CultureInfo.InvariantCulture));

    private static bool IsPressDuration(string text) =>
        text == "hold" || (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ms) && ms is >= 1 and <= 60_000);

    /// <summary><c>contacts</c>, <c>contacts add NAME ID [--auto-answer] [--door]</c> or <c>contacts remove NAME</c>.</summary>
    private static bool TryContactsArguments(CommandLineArguments parsed, out JsonElement? arguments, out string usage)
    {
        var ops = parsed.Operands;
        ContactsArgs? args = ops switch
        {
            [] => new ContactsArgs(ContactOps.List),
            [ContactOps.Add, string name, string id] => new ContactsArgs(ContactOps.Add, name, id, parsed.AutoAnswer ? true : null, parsed.Door ? true : null),
            [ContactOps.Remove, string name] => new ContactsArgs(ContactOps.Remove, name),
            _ => null,
        };
        arguments = null;
        usage = args is null
            ? "'contacts' takes no arguments, 'add NAME ID [--auto-answer] [--door]' or 'remove NAME'"
            : args.Op != ContactOps.Add && (parsed.AutoAnswer || parsed.Door) ? "--auto-answer and --door are for 'contacts add'" : "";
        if (usage.Length > 0)
        {
            return false;
        }

        arguments = JsonSerializer.SerializeToElement(args, ControlJsonContext.Default.ContactsArgs);
        return true;
    }

    private void Print(string command, ControlReply reply, bool json)
    {
        if (json)
        {
            _stdout.WriteLine(reply.Result!.Value.GetRawText());
            return;
        }

        switch (command)
        {
            case ControlCommands.Status:
                HumanOutput.WriteStatus(_stdout, reply.ReadResult(ControlJsonContext.Default.StatusResult));
                break;
            case ControlCommands.Id:
                // The bare ID, so that $(picotalk id) is the ID.
                _stdout.WriteLine(reply.ReadResult(ControlJsonContext.Default.IdResult).Id);
                break;
            case ControlCommands.Dial:
                HumanOutput.WriteCall(_stdout, reply.ReadResult(ControlJsonContext.Default.CallSummary));
                break;
            case ControlCommands.Devices:
                HumanOutput.WriteDevices(_stdout, reply.ReadResult(ControlJsonContext.Default.DevicesResult));
                break;
            case ControlCommands.Press:
            case ControlCommands.Release:
            case WebCommands.Mute:
            case WebCommands.Tone:
                HumanOutput.WriteDevice(_stdout, reply.ReadResult(ControlJsonContext.Default.DeviceSummary));
                break;
            case ApplianceCommands.Door:
                _stdout.WriteLine("door request sent; the answer comes as a 'door' event");
                break;
            case ControlCommands.Contacts:
                HumanOutput.WriteContacts(_stdout, reply.ReadResult(ControlJsonContext.Default.ContactsResult));
                break;
            case RoomsNames.Command:
                RoomsCommandLine.WriteStatus(_stdout, reply.ReadResult(ControlJsonContext.Default.RoomStatus));
                break;
            case WebCommands.History:
                HumanOutput.WriteHistory(_stdout, reply.ReadResult(ControlJsonContext.Default.HistoryResult));
                break;
            case WebCommands.Log:
                HumanOutput.WriteLog(_stdout, reply.ReadResult(ControlJsonContext.Default.LogResult));
                break;
            default:
                _stdout.WriteLine($"state: {reply.ReadResult(ControlJsonContext.Default.StateResult).State}");
                break;
        }
    }

    /// <summary><c>config get KEY</c> prints that key's JSON value alone (exit 1 if there is none);
    /// otherwise every setting as <c>key: value</c>.</summary>
    private int PrintConfig(ControlReply reply, IReadOnlyList<string> operands)
    {
        var config = reply.ReadResult(ControlJsonContext.Default.ConfigResult);
        if (operands is [ConfigOps.Get, string key])
        {
            if (WebCommandLine.Find(config.Config, key) is not { } value)
            {
                _stderr.WriteLine($"error: no setting '{key}'");
                return ExitCodes.DaemonRefused;
            }

            _stdout.WriteLine(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
            return ExitCodes.Ok;
        }

        HumanOutput.WriteConfig(_stdout, config);
        return ExitCodes.Ok;
    }

    /// <summary>Prints events until the daemon closes the connection (exit 0) or Ctrl-C (exit 0).</summary>
    private async Task<int> PrintEventsAsync(ControlClient client, bool json, CancellationToken cancellationToken)
    {
        try
        {
            while (await client.ReadEventAsync(cancellationToken).ConfigureAwait(false) is { } evt)
            {
                if (json)
                {
                    _stdout.Write(System.Text.Encoding.UTF8.GetString(ControlLines.Encode(evt)));
                }
                else
                {
                    HumanOutput.WriteEvent(_stdout, evt);
                }

                await _stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C is how a user stops watching.
        }

        return ExitCodes.Ok;
    }

    private int UsageError(string message)
    {
        _stderr.WriteLine($"picotalk: {message}");
        _stderr.WriteLine("run 'picotalk --help' for usage");
        return ExitCodes.UsageOrNoDaemon;
    }
}
