using System.Text;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// The room id a client sends in <c>{"room_id": hex}</c> (PICOTALK.md "Connection to the server",
/// step 4): the first 64 hex digits, lower-case, of SHA-512 over the room name's UTF-8 bytes.
/// </summary>
public static class RoomId
{
    public const int HexLength = 64;

    public static string FromName(string roomName)
    {
        ArgumentNullException.ThrowIfNull(roomName);
        Span<byte> digest = stackalloc byte[Sodium.Sha512Size];
        Sodium.Sha512(Encoding.UTF8.GetBytes(roomName), digest);
        return Convert.ToHexStringLower(digest[..(HexLength / 2)]);
    }

    /// <summary>True for exactly 64 lower-case hex digits (what a server should accept as a room id).</summary>
    public static bool IsWellFormed(string? roomId)
    {
        if (roomId is null || roomId.Length != HexLength)
        {
            return false;
        }

        foreach (char c in roomId)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
