namespace PicoTalk.Protocol.Rooms;

/// <summary>What the server does with a packet inside a room.</summary>
public enum RouteVerdict
{
    /// <summary>Send it to the peer named by dst, with src filled in.</summary>
    Forward,

    /// <summary>dst = 1: the server handles it (JSON requests, audio for the mixer).</summary>
    ToServer,

    Drop,
}

/// <summary>
/// One room's members as the server sees them (PICOTALK.md "Inside a room"): addresses in order of
/// joining from 2, who is authenticated, and the vouching rule.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="bullet">
/// <item>A peer joining an empty room is authenticated (it has nobody to prove the password to).</item>
/// <item>Afterwards a peer becomes authenticated when an authenticated peer sends the server
/// <c>{"event":"peer_authenticated","peer_id":n}</c> (<see cref="TryVouch"/>); the server then tells
/// the room with the same event from src 1.</item>
/// <item>Audio of a peer not authenticated is dropped.</item>
/// <item>Addressed packets: PICOTALK.md says those of peers not authenticated are dropped, yet the
/// newcomer must answer the pairwise key exchange of the peers already in the room before anyone
/// can vouch for it. Our reading, to confirm against a real PicoTalk server: a packet between two
/// members is forwarded when at least one of them is authenticated, so a newcomer can prove itself
/// to authenticated members but two unproven peers cannot talk.</item>
/// </list>
/// Addresses are not reused within a room's life; after 65,535 joins the room refuses newcomers.
/// </remarks>
public sealed class RoomMembership
{
    public const ushort Undefined = 0;
    public const ushort Server = 1;
    public const ushort FirstPeer = 2;

    private readonly SortedDictionary<ushort, bool> authenticated = [];
    private int nextId = FirstPeer;

    public int Count => authenticated.Count;

    /// <summary>Members in order of joining (ascending addresses).</summary>
    public IEnumerable<ushort> Members => authenticated.Keys;

    public bool IsMember(ushort peerId) => authenticated.ContainsKey(peerId);

    public bool IsAuthenticated(ushort peerId) => authenticated.TryGetValue(peerId, out bool yes) && yes;

    /// <summary>
    /// Admits a newcomer: its address, and whether it starts authenticated (room was empty). False if
    /// the room has used up its addresses. The caller sends the others <c>peer_joined</c>.
    /// </summary>
    public bool TryJoin(out ushort peerId, out bool isAuthenticated)
    {
        if (nextId > ushort.MaxValue)
        {
            peerId = Undefined;
            isAuthenticated = false;
            return false;
        }

        peerId = (ushort)nextId++;
        isAuthenticated = authenticated.Count == 0;
        authenticated.Add(peerId, isAuthenticated);
        return true;
    }

    /// <summary>Removes a member; the caller sends the others <c>peer_disconnected</c>.</summary>
    public bool Leave(ushort peerId) => authenticated.Remove(peerId);

    /// <summary>
    /// Applies <paramref name="voucher"/>'s <c>peer_authenticated</c> for <paramref name="target"/>.
    /// True if that made the target authenticated: the voucher is authenticated and the target a
    /// member not yet authenticated. Everything else (a stranger, an unproven voucher, a repeat) is
    /// ignored.
    /// </summary>
    public bool TryVouch(ushort voucher, ushort target)
    {
        if (voucher == target || !IsAuthenticated(voucher) || !authenticated.TryGetValue(target, out bool already) || already)
        {
            return false;
        }

        authenticated[target] = true;
        return true;
    }

    /// <summary>The verdict for a packet from member <paramref name="src"/> (see the remarks of the class).</summary>
    public RouteVerdict Route(ushort src, ushort dst, RoomPacketType type)
    {
        if (!IsMember(src))
        {
            return RouteVerdict.Drop;
        }

        if (dst == Server)
        {
            return type == RoomPacketType.AudioFrame && !IsAuthenticated(src) ? RouteVerdict.Drop : RouteVerdict.ToServer;
        }

        // Audio goes to the mixer (dst 1) only; addresses 0, self and strangers lead nowhere.
        if (type == RoomPacketType.AudioFrame || dst == src || !IsMember(dst))
        {
            return RouteVerdict.Drop;
        }

        return IsAuthenticated(src) || IsAuthenticated(dst) ? RouteVerdict.Forward : RouteVerdict.Drop;
    }

    /// <summary>The event the server sends (src 1) for <paramref name="peerId"/>: one of the <c>RoomMessage.Peer*</c> names.</summary>
    public static RoomMessage PeerEvent(string eventName, ushort peerId) => new() { Event = eventName, PeerId = peerId };
}
