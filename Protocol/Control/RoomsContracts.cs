using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

/// <summary>The <c>rooms</c> command and its events (issue 7: "picotalk rooms join|leave|say|members").</summary>
public static class RoomsNames
{
    public const string Command = "rooms";

    /// <summary>Event: the room state changed; data is a <see cref="RoomStatus"/>.</summary>
    public const string RoomEvent = "room";

    /// <summary>Event: a chat line from a member; data is a <see cref="RoomChatEventData"/>.</summary>
    public const string ChatEvent = "room_chat";

    /// <summary>Error code: the room's members did not accept our password.</summary>
    public const string WrongPassword = "wrong_password";

    /// <summary>Error code: the server presents another identity key than the one pinned for it.</summary>
    public const string KeyChanged = "server_key_changed";
}

/// <summary>Values of <see cref="RoomStatus.ServerKeyPin"/>: how the server's identity key was checked when we joined.</summary>
public static class RoomKeyPins
{
    /// <summary>No key was pinned for this server (or, joined by name, for this room): pinned now, checked against nothing.</summary>
    public const string FirstUse = "first_use";

    /// <summary>The key is the one pinned earlier.</summary>
    public const string Verified = "verified";

    /// <summary>The join said accept_new_key: the key the server presents now replaced the pin.</summary>
    public const string Repinned = "repinned";
}

/// <summary>Values of <c>rooms</c> args' <c>op</c>.</summary>
public static class RoomOps
{
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Say = "say";
    public const string Members = "members";
    public const string Talk = "talk";
}

/// <summary>Values of <see cref="RoomStatus.State"/>.</summary>
public static class RoomStates
{
    public const string Idle = "idle";
    public const string Connecting = "connecting";
    public const string Joined = "joined";
}

/// <summary>
/// <c>rooms</c> args: <c>{"op":"join","server":"HOST:PORT","transport":"udp","room":R,"password":P,"name":N,
/// "accept_new_key":false,"talk":false}</c> (without "server", the room is looked up by name on the
/// DHT, where its server announces SHA-1("picotalk-room:" + room id)), <c>{"op":"leave"}</c>, <c>{"op":"say","text":T}</c>,
/// <c>{"op":"members"}</c> (also when args are left out), <c>{"op":"talk","on":true}</c>.
/// Transport is <c>tcp</c>, <c>udp</c> (the default) or <c>ws</c>.
/// </summary>
public sealed record RoomsArgs(
    string? Op = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Server = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Transport = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Room = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Password = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AcceptNewKey = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Talk = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? On = null);

/// <summary>A member of the room (not us): its address in the room, its user name, whether it proved the password.</summary>
public sealed record RoomMemberEntry(int Id, string? Name, bool Verified);

/// <summary>
/// <c>rooms</c> result and <c>room</c> event data. <see cref="ServerKeyFingerprint"/> is the server's
/// identity key's fingerprint as the room server logs it (<c>key=..</c>: the first 16 hex digits of
/// SHA-256 over the key); null when not connected. <see cref="ServerKeyPin"/> (a <see cref="RoomKeyPins"/>
/// value) says whether that key was checked against a pin; left out when not connected. <see cref="FoundBy"/>
/// is "dht" when the server was found by the room's name.
/// </summary>
public sealed record RoomStatus(
    string State,
    string? Room,
    string? Server,
    string? ServerKeyFingerprint,
    IReadOnlyList<RoomMemberEntry> Members,
    bool Talking,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ServerKeyPin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FoundBy = null);

/// <summary><c>room_chat</c> event data: the sender's address in the room, its user name, the text.</summary>
public sealed record RoomChatEventData(int From, string? Name, string Text);
