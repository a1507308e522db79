using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>How a client reaches the room server (PICOTALK.md "Framing").</summary>
public enum RoomTransport
{
    /// <summary>Everything over TCP.</summary>
    Tcp,

    /// <summary>Control over TCP, audio over UDP once the UDP check has passed (step 6).</summary>
    Udp,

    /// <summary>Everything over a WebSocket at <c>/ws</c>, one packet per binary message.</summary>
    WebSocket,
}

/// <summary>Where a <see cref="RoomClientSession"/> stands.</summary>
public enum RoomClientState
{
    Connecting,

    /// <summary>In the room, not yet vouched for by a member who knows the password.</summary>
    Joined,

    /// <summary>The server counts us as a member who knows the password: we send and hear audio.</summary>
    Authenticated,

    /// <summary>A peer's <c>{"status":"ok"}</c> did not open under the pairwise key, or nobody vouched within 5 s: we send no audio.</summary>
    WrongPassword,

    Closed,
}

/// <summary>What to join and how.</summary>
public sealed record RoomClientOptions
{
    public required string Host { get; init; }

    /// <summary>The TCP port (also the control connection of <see cref="RoomTransport.Udp"/>) or the WebSocket port.</summary>
    public required int Port { get; init; }

    public RoomTransport Transport { get; init; } = RoomTransport.Tcp;

    public required string RoomName { get; init; }

    public required string Password { get; init; }

    public string UserName { get; init; } = "picotalk";

    /// <summary>The server identity key we pinned; a server with another key is refused. Null: accept any (first use).</summary>
    public byte[]? PinnedServerKey { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long we wait to be vouched for before we report <see cref="RoomClientState.WrongPassword"/> (issue 7: 5 s).</summary>
    public TimeSpan PasswordTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The extensions we announce (all of ours; <see cref="RoomExtensions.None"/> makes this client speak plain PicoTalk v0.0.20, as tests of interoperation need).</summary>
    public RoomExtensions Extensions { get; init; } = RoomExtensions.All;

    /// <summary>Argon2id cost of stretching the password for our extensions (CPace, mix integrity); tests use cheap limits such as <c>new(1, 8192)</c>.</summary>
    public PasswordStretchLimits PasswordStretch { get; init; } = StretchedPassword.Interactive;
}

/// <summary>A member of the room as a client knows it.</summary>
public sealed record RoomMemberInfo(ushort PeerId, string? UserName, bool Verified, bool WrongPassword);

/// <summary>Why a client could not join.</summary>
public sealed class RoomClientException(string message) : Exception(message);
