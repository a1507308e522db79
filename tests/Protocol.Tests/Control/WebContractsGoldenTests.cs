using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Protocol.Tests.Control;

/// <summary>The web page's control contracts (ui-spec "Control socket additions") serialize to these
/// exact strings and read back to the same JSON: the names the web engineer codes against.</summary>
public sealed class WebContractsGoldenTests
{
    private const string PeerId = "0123456789abcdef0123456789abcdef01234567";
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero);

    private static ControlJsonContext Json => ControlJsonContext.Default;

    [Fact]
    public void Config_args_and_result()
    {
        AssertGolden(new ConfigArgs(ConfigOps.Get), Json.ConfigArgs, """{"op":"get"}""");
        var patch = JsonDocument.Parse("""{"opus":{"bitrate":24000},"name":null}""").RootElement;
        AssertGolden(new ConfigArgs(ConfigOps.Set, patch), Json.ConfigArgs, """{"op":"set","patch":{"opus":{"bitrate":24000},"name":null}}""");
        var config = JsonDocument.Parse("""{"name":"Gate","udp_port":5004}""").RootElement;
        AssertGolden(new ConfigResult(config, ["udp_port"]), Json.ConfigResult, """{"config":{"name":"Gate","udp_port":5004},"restart_required":["udp_port"]}""");
    }

    [Fact]
    public void Mute_log_and_tone_args()
    {
        AssertGolden(new MuteArgs(true), Json.MuteArgs, """{"muted":true}""");
        AssertGolden(new LogArgs(20), Json.LogArgs, """{"lines":20}""");
        AssertGolden(new ToneArgs(3), Json.ToneArgs, """{"seconds":3}""");
    }

    [Fact]
    public void History_result()
    {
        AssertGolden(new HistoryResult(
            [
                new HistoryEntry(PeerId, "Porch", CallDirections.Incoming, At, 42, CallEndReasons.Hangup, "hung up by the peer"),
                new HistoryEntry(null, null, CallDirections.Outgoing, At, 0, CallEndReasons.Unreachable, "no path"),
            ]), Json.HistoryResult,
            $$$"""{"calls":[{"peer_id":"{{{PeerId}}}","name":"Porch","direction":"incoming","started":"2026-03-01T12:00:00.250Z","duration_seconds":42,"end_reason":"hangup","end_message":"hung up by the peer"},{"peer_id":null,"name":null,"direction":"outgoing","started":"2026-03-01T12:00:00.250Z","duration_seconds":0,"end_reason":"unreachable","end_message":"no path"}]}""");
    }

    [Fact]
    public void Log_result()
    {
        AssertGolden(new LogResult([new LogLine(At, LogLevels.Warn, "dht: no nodes")]), Json.LogResult,
            """{"lines":[{"time":"2026-03-01T12:00:00.250Z","level":"warn","message":"dht: no nodes"}]}""");
    }

    [Fact]
    public void Contacts_rename_and_update_args_leave_out_what_is_not_given()
    {
        AssertGolden(new ContactsArgs(ContactOps.Rename, "Gate", NewName: "Front gate"), Json.ContactsArgs,
            """{"op":"rename","name":"Gate","new_name":"Front gate"}""");
        AssertGolden(new ContactsArgs(ContactOps.Update, "Gate", MayOpenDoor: false), Json.ContactsArgs,
            """{"op":"update","name":"Gate","may_open_door":false}""");
    }

    [Fact]
    public void Status_carries_uptime_and_the_microphone_level()
    {
        var media = new CallMediaCounters(1, 2, 0, InputLevelDb: -23.5);
        AssertGolden(media, Json.CallMediaCounters,
            """{"frames_sent":1,"frames_received":2,"concealed":0,"fec_recovered":0,"late":0,"input_level_db":-23.5}""");
        var status = new StatusResult(ControlStates.Idle, PeerId, 5004, "0.1.0", null, new Dictionary<string, long>(), UptimeSeconds: 3600);
        Assert.EndsWith("\"dht\":null,\"uptime_seconds\":3600}", JsonSerializer.Serialize(status, Json.StatusResult));
    }

    private static void AssertGolden<T>(T value, JsonTypeInfo<T> typeInfo, string expected)
    {
        string json = JsonSerializer.Serialize(value, typeInfo);
        Assert.Equal(expected, json);
        Assert.Equal(expected, JsonSerializer.Serialize(JsonSerializer.Deserialize(json, typeInfo)!, typeInfo));
    }
}
