using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

// Typed results and arguments of the commands. Keys are snake_case (ControlJsonContext); IDs are
// 40 lower-case hex digits (NodeId.ToString); endpoints are "HOST:PORT" (PeerEndpoint.ToString).

/// <summary><c>dial</c> args: <c>{"to":"HOST:PORT" | "&lt;40 hex id&gt;" | "HOST:PORT/&lt;40 hex id&gt;"}</c>.</summary>
public sealed record DialArgs(string To);

/// <summary><c>id</c> result: <c>{"id":"&lt;40 hex&gt;"}</c>.</summary>
public sealed record IdResult(string Id);

/// <summary>One device the config's <c>audio.input</c> / <c>audio.output</c> can name: <see cref="Spec"/>
/// as written there (<c>alsa:plughw:CARD=Device,DEV=0</c>, <c>sim</c>...).</summary>
public sealed record AudioDeviceEntry(string Spec, string? Description, bool Capture, bool Playback);

/// <summary>The devices in use and the ones available (ALSA's list, as <c>arecord -L</c> and
/// <c>aplay -L</c> show it, then the built-in ones). <see cref="AlsaError"/> says why ALSA listed nothing.</summary>
public sealed record DevicesResult(
    string Input,
    string Output,
    IReadOnlyList<AudioDeviceEntry> Devices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AlsaError = null);

/// <summary><c>answer</c> and <c>hangup</c> result: the state after the command.</summary>
public sealed record StateResult(string State);

/// <summary><c>events</c> result: <c>{"subscribed":true}</c>.</summary>
public sealed record SubscribedResult(bool Subscribed);

/// <summary>
/// Media statistics of the current call (issue 4 "call statistics"): counters since the call was
/// answered, then current values. <see cref="FecRecovered"/> counts lost frames rebuilt from the next
/// packet's in-band FEC (RFC 6716 §2.1.7), <see cref="Late"/> packets that came after their frame was
/// played or concealed. A value the daemon does not know (yet) is null and not written: the
/// round-trip time and the figures derived from it need the peer's receiver reports.
/// <see cref="Fec"/> is whether we send in-band FEC now, <see cref="PeerLossPercent"/> the loss the
/// peer last reported for our packets (the two drive the bitrate). <see cref="InputLevelDb"/> is the
/// microphone's RMS level in dBFS over the latest captured frame, written as null until known.
/// </summary>
public sealed record CallMediaCounters(
    long FramesSent,
    long FramesReceived,
    long Concealed,
    long FecRecovered = 0,
    long Late = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BitrateBps = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? JitterBufferMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LossPercent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? JitterMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RoundTripMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MouthToEarMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Fec = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PeerLossPercent = null,
    double? InputLevelDb = null);

/// <summary>
/// One call, as <c>status</c> shows it and <c>dial</c> returns it. <see cref="PeerId"/> is null
/// while dialing a bare HOST:PORT (the key exchange has not named the peer yet); <see cref="Remote"/>
/// is null while a dialed ID is still being looked up in the DHT.
/// </summary>
public sealed record CallSummary(
    string? PeerId,
    string? Remote,
    string Direction,
    string? Name,
    [property: JsonConverter(typeof(UtcTimestampJsonConverter))] DateTimeOffset Since,
    CallMediaCounters Media);

/// <summary>
/// <c>status</c> result. <see cref="Drops"/> maps each datagram drop reason (as its enum name) to
/// its count; <see cref="UptimeSeconds"/> counts whole seconds since the daemon started.
/// </summary>
public sealed record StatusResult(
    string State,
    string Id,
    int UdpPort,
    string Version,
    CallSummary? Call,
    IReadOnlyDictionary<string, long> Drops,
    DhtSummary? Dht = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeviceSummary? Device = null,
    int UptimeSeconds = 0);

/// <summary>The routing layer in <c>status</c>: how much of the DHT this appliance knows, its
/// public address as other nodes see it (BEP 42 "ip"), and its NAT (<see cref="Nat"/>, one of
/// <see cref="NatKinds"/>; null from a daemon that predates it), and how many nodes accepted our latest
/// announces (<see cref="AnnouncedTo"/>: the relays that can punch a hole for a caller, at most 8).</summary>
public sealed record DhtSummary(int Nodes, int Good, int Buckets, long LanPeers, string? ExternalAddress,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Nat = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? AnnouncedTo = null);

/// <summary><c>state</c> event data: the state machine went from <see cref="Was"/> on <see cref="On"/> to <see cref="Now"/>.</summary>
public sealed record StateEventData(string Was, string On, string Now);

/// <summary><c>ring</c> event data: an incoming call.</summary>
public sealed record RingEventData(string PeerId, string Remote, string? Name);

/// <summary><c>call_ended</c> event data; <see cref="Reason"/> is one of <see cref="CallEndReasons"/>.</summary>
public sealed record CallEndedEventData(string Reason, string Message);
