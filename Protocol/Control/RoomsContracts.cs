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

    /// <summary>Event: something the user should know about the room's audio, e.g. "room: the server altered the mix" (at most one a second).</summary>
    public const string WarningEvent = "room_warning";

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

/// <summary>A member of the room (not us): its address in the room, its user name, whether it proved the password, and whether it failed to (one of us has the wrong password).</summary>
public sealed record RoomMemberEntry(int Id, string? Name, bool Verified, bool WrongPassword = false);

/// <summary>
/// What protects the room's audio, and what was seen (issue 7, our extensions): <see cref="WideAudio"/>
/// when we and the server carry samples in 32-bit lanes with an integrity tag; the mixes whose tag
/// matched (<see cref="VerifiedMixes"/>), that nothing could check because a PicoTalk member or server
/// is in the path (<see cref="UncheckedMixes"/>), that the server altered and were not played
/// (<see cref="AlteredMixes"/>), that we had no key for yet (<see cref="LostMixes"/>); and our audio
/// key's epoch (one more each time a member left and we drew a new key).
/// </summary>
public sealed record RoomAudioProtection(bool WideAudio, long VerifiedMixes, long UncheckedMixes, long AlteredMixes, long LostMixes, int KeyEpoch);

/// <summary><c>room_warning</c> event data.</summary>
public sealed record RoomWarningEventData(string Text);

/// <summary>
/// <c>rooms</c> result and <c>room</c> event data. <see cref="ServerKeyFingerprint"/> is the server's
/// identity key's fingerprint as the room server logs it (<c>key=..</c>: the first 16 hex digits of
/// SHA-256 over the key); null when not connected. <see cref="ServerKeyPin"/> (a <see cref="RoomKeyPins"/>
/// value) says whether that key was checked against a pin; left out when not connected. <see cref="FoundBy"/>
/// is "dht" when the server was found by the room's name. <see cref="Name"/> is our user name in the
/// room and <see cref="Audio"/> what protects its audio; both left out when not in a room.
/// </summary>
public sealed record RoomStatus(
    string State,
    string? Room,
    string? Server,
    string? ServerKeyFingerprint,
    IReadOnlyList<RoomMemberEntry> Members,
    bool Talking,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ServerKeyPin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FoundBy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RoomAudioProtection? Audio = null);

/// <summary><c>room_chat</c> event data: the sender's address in the room, its user name, the text.</summary>
public sealed record RoomChatEventData(int From, string? Name, string Text);
