using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// Source-generated JSON metadata for every control message (no reflection: the daemon and the
/// client stay trimmable and AOT-compatible). snake_case keys; nulls are written (a status with no
/// call says <c>"call":null</c>) except where a property opts out.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = ControlLimits.MaxJsonDepth)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlReply))]
[JsonSerializable(typeof(ControlEvent))]
[JsonSerializable(typeof(ControlServerMessage))]
[JsonSerializable(typeof(DialArgs))]
[JsonSerializable(typeof(IdResult))]
[JsonSerializable(typeof(DevicesResult))]
[JsonSerializable(typeof(StateResult))]
[JsonSerializable(typeof(SubscribedResult))]
[JsonSerializable(typeof(StatusResult))]
[JsonSerializable(typeof(CallSummary))]
[JsonSerializable(typeof(StateEventData))]
[JsonSerializable(typeof(RingEventData))]
[JsonSerializable(typeof(CallEndedEventData))]
[JsonSerializable(typeof(PressArgs))]
[JsonSerializable(typeof(ReleaseArgs))]
[JsonSerializable(typeof(DeviceSummary))]
[JsonSerializable(typeof(DeviceEventData))]
[JsonSerializable(typeof(ButtonEventData))]
[JsonSerializable(typeof(DoorEventData))]
// Here rather than in a second partial declaration beside the contracts: the generator then emits
// each type's source twice under one hint name and fails (CS8785, "hintName ... must be unique").
[JsonSerializable(typeof(ContactsArgs))]
[JsonSerializable(typeof(ContactsResult))]
[JsonSerializable(typeof(ConfigArgs))]
[JsonSerializable(typeof(ConfigResult))]
[JsonSerializable(typeof(MuteArgs))]
[JsonSerializable(typeof(LogArgs))]
[JsonSerializable(typeof(ToneArgs))]
[JsonSerializable(typeof(HistoryResult))]
[JsonSerializable(typeof(LogResult))]
[JsonSerializable(typeof(RoomsArgs))]
[JsonSerializable(typeof(RoomStatus))]
[JsonSerializable(typeof(RoomChatEventData))]
[JsonSerializable(typeof(RoomWarningEventData))]
public sealed partial class ControlJsonContext : JsonSerializerContext;
