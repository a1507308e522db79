using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Protocol.Tests.Control;

/// <summary>Every control contract type serializes to these exact strings (STYLE.md 10) and reads back equal.</summary>
public sealed class ControlJsonGoldenTests
{
    private const string PeerId = "0123456789abcdef0123456789abcdef01234567";
    private const string OwnId = "fedcba9876543210fedcba9876543210fedcba98";
    private static readonly DateTimeOffset Since = new(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero);

    private static ControlJsonContext Json => ControlJsonContext.Default;

    [Fact]
    public void Dial_args()
    {
        AssertGolden(new DialArgs("127.0.0.1:5004"), Json.DialArgs, """{"to":"127.0.0.1:5004"}""");
    }

    [Fact]
    public void Id_result()
    {
        AssertGolden(new IdResult(OwnId), Json.IdResult, $$$"""{"id":"{{{OwnId}}}"}""");
    }

    [Fact]
    public void State_result()
    {
        AssertGolden(new StateResult(ControlStates.InCall), Json.StateResult, """{"state":"in_call"}""");
    }

    [Fact]
    public void Subscribed_result()
    {
        AssertGolden(new SubscribedResult(true), Json.SubscribedResult, """{"subscribed":true}""");
    }

    [Fact]
    public void Call_summary_with_utc_millisecond_timestamp()
    {
        AssertGolden(Call(), Json.CallSummary,
            $$$"""{"peer_id":"{{{PeerId}}}","remote":"127.0.0.1:5004","direction":"outgoing","name":"Front door","since":"2026-03-01T12:00:00.250Z","media":{"frames_sent":100,"frames_received":98,"concealed":2,"fec_recovered":1,"late":3,"bitrate_bps":32000,"jitter_buffer_ms":40,"input_level_db":null}}""");
    }

    [Fact]
    public void Call_summary_of_a_call_still_being_set_up_writes_nulls()
    {
        var call = new CallSummary(null, null, CallDirections.Outgoing, null, Since, new CallMediaCounters(0, 0, 0));
        AssertGolden(call, Json.CallSummary,
            """{"peer_id":null,"remote":null,"direction":"outgoing","name":null,"since":"2026-03-01T12:00:00.250Z","media":{"frames_sent":0,"frames_received":0,"concealed":0,"fec_recovered":0,"late":0,"input_level_db":null}}""");
    }

    [Fact]
    public void Timestamp_in_another_offset_is_written_as_utc()
    {
        var call = Call() with { Since = new DateTimeOffset(2026, 3, 1, 14, 0, 0, 250, TimeSpan.FromHours(2)) };
        string json = JsonSerializer.Serialize(call, Json.CallSummary);
        Assert.Contains("\"since\":\"2026-03-01T12:00:00.250Z\"", json);
    }

    [Fact]
    public void Status_result_idle_writes_call_null()
    {
        var status = new StatusResult(ControlStates.Idle, OwnId, 5004, "0.1.0", null,
            new Dictionary<string, long> { ["Malformed"] = 0, ["UnknownType"] = 2 });
        string json = JsonSerializer.Serialize(status, Json.StatusResult);
        Assert.Equal(
            $$$"""{"state":"idle","id":"{{{OwnId}}}","udp_port":5004,"version":"0.1.0","call":null,"drops":{"Malformed":0,"UnknownType":2},"dht":null,"uptime_seconds":0}""",
            json);
        var back = JsonSerializer.Deserialize(json, Json.StatusResult)!;
        Assert.Equal(status with { Drops = back.Drops }, back);
        Assert.Equal(status.Drops, back.Drops);
    }

    [Fact]
    public void Status_result_with_the_dht()
    {
        var status = new StatusResult(ControlStates.Idle, OwnId, 5004, "0.1.0", null, new Dictionary<string, long>(),
            new DhtSummary(42, 40, 7, 1, "198.51.100.7:5004"));
        string json = JsonSerializer.Serialize(status, Json.StatusResult);
        Assert.EndsWith("""","dht":{"nodes":42,"good":40,"buckets":7,"lan_peers":1,"external_address":"198.51.100.7:5004"},"uptime_seconds":0}"""", json);
        Assert.Equal(status.Dht, JsonSerializer.Deserialize(json, Json.StatusResult)!.Dht);
    }

    [Fact]
    public void Status_result_in_call()
    {
        var status = new StatusResult(ControlStates.InCall, OwnId, 5004, "0.1.0", Call(), new Dictionary<string, long>());
        string json = JsonSerializer.Serialize(status, Json.StatusResult);
        Assert.Equal(
            $$$"""{"state":"in_call","id":"{{{OwnId}}}","udp_port":5004,"version":"0.1.0","call":{"peer_id":"{{{PeerId}}}","remote":"127.0.0.1:5004","direction":"outgoing","name":"Front door","since":"2026-03-01T12:00:00.250Z","media":{"frames_sent":100,"frames_received":98,"concealed":2,"fec_recovered":1,"late":3,"bitrate_bps":32000,"jitter_buffer_ms":40,"input_level_db":null}},"drops":{},"dht":null,"uptime_seconds":0}""",
            json);
        var back = JsonSerializer.Deserialize(json, Json.StatusResult)!;
        Assert.Equal(status.Call, back.Call);
        Assert.Empty(back.Drops);
    }

    [Fact]
    public void Request_with_args()
    {
        var request = ControlRequest.Create(1, ControlCommands.Dial, new DialArgs(PeerId), Json.DialArgs);
        AssertLine(ControlLines.Encode(request), $$$"""{"id":1,"cmd":"dial","args":{"to":"{{{PeerId}}}"}}""");
        Assert.True(request.TryReadArgs(Json.DialArgs, out var args, out _));
        Assert.Equal(new DialArgs(PeerId), args);
    }

    [Fact]
    public void Request_without_args_omits_the_key()
    {
        AssertLine(ControlLines.Encode(new ControlRequest(2, ControlCommands.Status)), """{"id":2,"cmd":"status"}""");
    }

    [Fact]
    public void Success_reply()
    {
        var reply = ControlReply.Success(3, new IdResult(OwnId), Json.IdResult);
        AssertLine(ControlLines.Encode(reply), $$$"""{"id":3,"ok":true,"result":{"id":"{{{OwnId}}}"}}""");
        Assert.Equal(new IdResult(OwnId), reply.ReadResult(Json.IdResult));
    }

    [Fact]
    public void Failure_reply()
    {
        var reply = ControlReply.Failure(4, ControlErrorCodes.InvalidState, "nothing is ringing");
        AssertLine(ControlLines.Encode(reply),
            """{"id":4,"ok":false,"error":{"code":"invalid_state","message":"nothing is ringing"}}""");
    }

    [Fact]
    public void State_event()
    {
        AssertLine(ControlLines.Encode(ControlEvent.StateChanged(ControlStates.Idle, "dial", ControlStates.Connecting)),
            """{"event":"state","data":{"was":"idle","on":"dial","now":"connecting"}}""");
    }

    [Fact]
    public void Ring_event()
    {
        var evt = ControlEvent.Ring(new RingEventData(PeerId, "[::1]:5004", "Gate"));
        AssertLine(ControlLines.Encode(evt), $$$"""{"event":"ring","data":{"peer_id":"{{{PeerId}}}","remote":"[::1]:5004","name":"Gate"}}""");
        Assert.Equal(new RingEventData(PeerId, "[::1]:5004", "Gate"), evt.ReadData(Json.RingEventData));
    }

    [Fact]
    public void Call_ended_event()
    {
        AssertLine(ControlLines.Encode(ControlEvent.CallEnded(CallEndReasons.IdentityMismatch, "peer key does not match the dialed ID")),
            """{"event":"call_ended","data":{"reason":"identity_mismatch","message":"peer key does not match the dialed ID"}}""");
    }

    [Fact]
    public void Strings_are_escaped_so_a_line_never_breaks()
    {
        var reply = ControlReply.Failure(5, ControlErrorCodes.InvalidArgument, "bad \"to\":\nline\u2028é");
        byte[] line = ControlLines.Encode(reply);
        Assert.Equal(1, line.Count(b => b == ControlLines.NewLine));
        AssertLine(line, """{"id":5,"ok":false,"error":{"code":"invalid_argument","message":"bad \"to\":\nline\u2028é"}}""");
        Assert.True(ControlServerMessage.TryParse(line.AsSpan(0, line.Length - 1), out var back, out _, out _));
        Assert.Equal(reply.Error, back!.Error);
    }

    [Theory]
    [InlineData("""{"id":7,"ok":true,"result":{"state":"idle"}}""")]
    [InlineData("""{"id":0,"ok":false,"error":{"code":"bad_request","message":"missing id"}}""")]
    [InlineData("""{"event":"ring","data":{"peer_id":"x","remote":"y","name":null}}""")]
    public void Server_lines_round_trip_through_the_client_parser(string line)
    {
        Assert.True(ControlServerMessage.TryParse(Encoding.UTF8.GetBytes(line), out var reply, out var evt, out string problem), problem);
        byte[] again = reply is not null ? ControlLines.Encode(reply) : ControlLines.Encode(evt!);
        AssertLine(again, line);
    }

    private static CallSummary Call() =>
        new(PeerId, "127.0.0.1:5004", CallDirections.Outgoing, "Front door", Since, new CallMediaCounters(100, 98, 2, FecRecovered: 1, Late: 3, BitrateBps: 32000, JitterBufferMs: 40));

    private static void AssertGolden<T>(T value, JsonTypeInfo<T> typeInfo, string expected)
    {
        string json = JsonSerializer.Serialize(value, typeInfo);
        Assert.Equal(expected, json);
        Assert.Equal(value, JsonSerializer.Deserialize(json, typeInfo));
    }

    private static void AssertLine(byte[] line, string expectedJson)
    {
        Assert.Equal(ControlLines.NewLine, line[^1]);
        Assert.Equal(expectedJson, Encoding.UTF8.GetString(line, 0, line.Length - 1));
    }
}
