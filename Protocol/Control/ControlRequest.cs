using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PicoTalk.Protocol.Control;

/// <summary>
/// A request line: <c>{"id":1,"cmd":"dial","args":{"to":"..."}}</c> (DESIGN.md "Control socket").
/// <paramref name="Id"/> is a positive integer chosen by the client and echoed in the reply;
/// <paramref name="Args"/> is absent for commands without arguments and is read into a typed DTO
/// with <see cref="TryReadArgs"/>.
/// </summary>
public sealed record ControlRequest(
    long Id,
    string Cmd,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Args = null)
{
    /// <summary>A request whose arguments are <paramref name="args"/> serialized by the source generator.</summary>
    public static ControlRequest Create<TArgs>(long id, string cmd, TArgs args, JsonTypeInfo<TArgs> typeInfo) =>
        new(id, cmd, JsonSerializer.SerializeToElement(args, typeInfo));

    /// <summary>
    /// Reads <see cref="Args"/> as <typeparamref name="TArgs"/>. On failure returns false with a
    /// message fit for an <c>invalid_argument</c> reply; never throws on bad client input.
    /// </summary>
    public bool TryReadArgs<TArgs>(JsonTypeInfo<TArgs> typeInfo, out TArgs? args, out string problem)
        where TArgs : class
    {
        args = null;
        if (Args is not { ValueKind: JsonValueKind.Object } element)
        {
            problem = $"'{Cmd}' needs an args object";
            return false;
        }

        try
        {
            args = element.Deserialize(typeInfo);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string escape that does not decode (a lone surrogate).
            problem = $"bad args for '{Cmd}': {e.Message}";
            return false;
        }

        if (args is null)
        {
            problem = $"'{Cmd}' needs an args object";
            return false;
        }

        problem = string.Empty;
        return true;
    }
}

/// <summary>The <c>error</c> object of a failed reply; <see cref="Code"/> is one of <see cref="ControlErrorCodes"/>.</summary>
public sealed record ControlError(string Code, string Message);

/// <summary>
/// A reply line: <c>{"id":1,"ok":true,"result":{...}}</c> or
/// <c>{"id":1,"ok":false,"error":{"code":"...","message":"..."}}</c>. Build one with
/// <see cref="Success{T}"/> or <see cref="Failure"/> so exactly one of result and error is set.
/// </summary>
public sealed record ControlReply(
    long Id,
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ControlError? Error)
{
    public static ControlReply Success<TResult>(long id, TResult result, JsonTypeInfo<TResult> typeInfo) =>
        new(id, true, JsonSerializer.SerializeToElement(result, typeInfo), null);

    public static ControlReply Failure(long id, string code, string message) =>
        new(id, false, null, new ControlError(code, message));

    /// <summary>Reads <see cref="Result"/> as <typeparamref name="TResult"/>; throws <see cref="JsonException"/> if it is not one.</summary>
    public TResult ReadResult<TResult>(JsonTypeInfo<TResult> typeInfo)
    {
        if (!Ok || Result is not { ValueKind: JsonValueKind.Object } element)
        {
            throw new JsonException($"reply {Id} carries no result object");
        }

        return element.Deserialize(typeInfo) ?? throw new JsonException($"reply {Id} carries a null result");
    }
}

/// <summary>
/// A pushed event line: <c>{"event":"ring","data":{...}}</c>, sent only to connections that sent
/// the <c>events</c> command. <see cref="Event"/> is one of <see cref="ControlEventNames"/>.
/// </summary>
public sealed record ControlEvent(string Event, JsonElement Data)
{
    public static ControlEvent Create<TData>(string name, TData data, JsonTypeInfo<TData> typeInfo) =>
        new(name, JsonSerializer.SerializeToElement(data, typeInfo));

    /// <summary>A state change, logged as "was X, on Y, now Z" (STYLE.md 5).</summary>
    public static ControlEvent StateChanged(string was, string on, string now) =>
        Create(ControlEventNames.State, new StateEventData(was, on, now), ControlJsonContext.Default.StateEventData);

    public static ControlEvent Ring(RingEventData data) =>
        Create(ControlEventNames.Ring, data, ControlJsonContext.Default.RingEventData);

    public static ControlEvent CallEnded(string reason, string message) =>
        Create(ControlEventNames.CallEnded, new CallEndedEventData(reason, message), ControlJsonContext.Default.CallEndedEventData);

    /// <summary>Reads <see cref="Data"/> as <typeparamref name="TData"/>; throws <see cref="JsonException"/> if it is not one.</summary>
    public TData ReadData<TData>(JsonTypeInfo<TData> typeInfo) =>
        Data.Deserialize(typeInfo) ?? throw new JsonException($"event '{Event}' carries null data");
}
