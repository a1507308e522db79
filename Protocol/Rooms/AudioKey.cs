namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// A client's audio key (PICOTALK.md "Inside a room"): 32 random bytes, drawn once and sent to
/// every peer over the peer-to-peer channel as <c>"audio_encryption_key": 64 hex</c>.
/// </summary>
public static class AudioKey
{
    public const int Size = AudioKeystream.KeySize;
    public const int HexLength = 2 * Size;

    public static byte[] Generate()
    {
        var key = new byte[Size];
        Sodium.RandomBytes(key);
        return key;
    }

    /// <summary>Lower-case hex, as Python's <c>bytes.hex()</c> writes it.</summary>
    public static string ToHex(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new ArgumentException($"an audio key is {Size} bytes", nameof(key));
        }

        return Convert.ToHexStringLower(key);
    }

    /// <summary>Reads 64 hex digits (either case); false for anything else.</summary>
    public static bool TryParseHex(string? hex, out byte[] key)
    {
        key = [];
        if (hex is null || hex.Length != HexLength)
        {
            return false;
        }

        var bytes = new byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        key = bytes;
        return true;
    }
}
