using System.Text.Json;
using System.Text.Json.Nodes;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The <c>config</c> control command (ui-spec "Control socket additions"): <c>get</c> answers the
/// stored config.json whole; <c>set</c> merges an RFC 7396 patch into it, validates the result whole,
/// saves it atomically off the loop in the contacts' write queue (<see cref="ContactBook.SaveConfigAsync"/>,
/// so a concurrent contact change is never lost) and applies on the loop what can change live.
/// Both answer which stored keys differ from what the daemon runs with and so wait for a restart.
/// </summary>
internal sealed class ConfigCommand
{
    /// <summary>Keys (and key prefixes) the daemon takes without a restart: the name of the next invite,
    /// every call policy, the contacts, the gains, and the door pulse (ApplianceController.ApplySettings).</summary>
    internal static readonly IReadOnlyList<string> LiveKeys =
        ["name", "calls", "contacts", "audio.speaker_gain_db", "audio.mic_gain_db", "gpio.door_pulse_ms"];

    private readonly ContactBook _book;
    private readonly string _path;
    private readonly JsonNode _started;
    private readonly Action<DaemonConfig> _applyOnLoop;

    /// <param name="started">The config as stored when the daemon started (before the command line's
    /// overrides, which a restart applies again): what the daemon runs with, but for the live keys.</param>
    /// <param name="applyOnLoop">Takes a saved config's live keys; runs on the loop.</param>
    public ConfigCommand(ContactBook book, string path, DaemonConfig started, Action<DaemonConfig> applyOnLoop)
    {
        _book = book;
        _path = path;
        _started = ConfigStore.ToJson(started);
        _applyOnLoop = applyOnLoop;
    }

    public async Task<ControlReply> HandleAsync(ControlRequest request)
    {
        var args = new ConfigArgs();
        if (request.Args is not null && !request.TryReadArgs(ControlJsonContext.Default.ConfigArgs, out args, out string problem))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
        }

        switch (args!.Op ?? ConfigOps.Get)
        {
            case ConfigOps.Get:
                return await GetAsync(request).ConfigureAwait(false);
            case ConfigOps.Set:
                return await SetAsync(request, args.Patch).ConfigureAwait(false);
            default:
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, $"op: '{args.Op}' is not {ConfigOps.Get} or {ConfigOps.Set}");
        }
    }

    /// <summary>The stored keys that wait for a restart: those differing from the config at start,
    /// but for <see cref="LiveKeys"/>.</summary>
    public IReadOnlyList<string> RestartRequired(DaemonConfig stored) =>
        ConfigMergePatch.DifferingKeys(_started, ConfigStore.ToJson(stored)).Where(k => !IsLive(k)).ToArray();

    internal static bool IsLive(string key) =>
        LiveKeys.Any(live => key == live || key.StartsWith(live + ".", StringComparison.Ordinal) || key.StartsWith(live + "[", StringComparison.Ordinal));

    private async Task<ControlReply> GetAsync(ControlRequest request)
    {
        try
        {
            var stored = await Task.Run(() => ConfigStore.Read(_path)).ConfigureAwait(false);
            return Reply(request, stored);
        }
        catch (ConfigException e)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.Internal, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.Internal, $"{_path} could not be read: {e.Message}");
        }
    }

    private async Task<ControlReply> SetAsync(ControlRequest request, JsonElement? patchElement)
    {
        if (patchElement is not { ValueKind: JsonValueKind.Object } element)
        {
            // RFC 7396 would let a non-object replace the whole document; a config is always an object.
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "patch: set needs a JSON object (an RFC 7396 merge patch)");
        }

        JsonObject patch;
        try
        {
            patch = JsonObject.Create(element)!;
            _ = patch.Count; // materializes the members: a duplicate key throws here, not on the queue
        }
        catch (ArgumentException e)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, $"patch: {e.Message}");
        }

        try
        {
            var saved = await _book.SaveConfigAsync(() => ConfigStore.Patch(_path, patch), _applyOnLoop).ConfigureAwait(false);
            return Reply(request, saved);
        }
        catch (ConfigException e)
        {
            // One "KEY: REASON" line per problem (ui-spec), KEY the dotted config key.
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, string.Join('\n', e.Errors));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.Internal, $"{_path} could not be written: {e.Message}");
        }
    }

    private ControlReply Reply(ControlRequest request, DaemonConfig stored) =>
        ControlReply.Success(request.Id,
            new ConfigResult(JsonSerializer.SerializeToElement(stored, ConfigJsonContext.Default.DaemonConfig), RestartRequired(stored)),
            ControlJsonContext.Default.ConfigResult);
}
