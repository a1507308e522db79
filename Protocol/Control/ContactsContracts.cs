using System.Text.Json.Serialization;

namespace PicoTalk.Protocol.Control;

/// <summary>Values of <c>contacts</c> args' <c>op</c>.</summary>
public static class ContactOps
{
    public const string List = "list";
    public const string Add = "add";
    public const string Remove = "remove";

    /// <summary><c>{"op":"rename","name":OLD,"new_name":NEW}</c>.</summary>
    public const string Rename = "rename";

    /// <summary><c>{"op":"update","name":N,"auto_answer":bool?,"may_open_door":bool?}</c>: a flag left out keeps its value.</summary>
    public const string Update = "update";
}

/// <summary>
/// <c>contacts</c> args: <c>{"op":"list"}</c> (also when args are left out),
/// <c>{"op":"add","name":"Gate","id":"&lt;40 hex&gt;","auto_answer":false,"may_open_door":false}</c>
/// <c>{"op":"remove","name":"Gate"}</c>, <c>{"op":"rename","name":"Gate","new_name":"Front gate"}</c>
/// or <c>{"op":"update","name":"Gate","auto_answer":true}</c>. Names are matched without regard to
/// case. The flags are null when left out: false for add, unchanged for update.
/// </summary>
public sealed record ContactsArgs(
    string? Op = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AutoAnswer = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? MayOpenDoor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NewName = null);

/// <summary>One contact: its name, its ID (40 lower-case hex digits), whether its calls are answered
/// automatically and whether it may open the door.</summary>
public sealed record ContactEntry(string Name, string Id, bool AutoAnswer, bool MayOpenDoor);

/// <summary><c>contacts</c> result, for every op: the list after it, in the order the contacts were added.</summary>
public sealed record ContactsResult(IReadOnlyList<ContactEntry> Contacts);
