using System.Security.Cryptography;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// The room server's persistent X25519 identity (PICOTALK.md "Its gaps": PicoTalk's server makes a
/// fresh one each time, so it cannot be pinned; ours keeps one so clients can pin it). Stored as the
/// 32 raw secret bytes in <c>&lt;state&gt;/room-server.key</c>, mode 0600, written atomically.
/// </summary>
public static class RoomServerIdentity
{
    public const string FileName = "room-server.key";

    /// <summary>Hex digits of the fingerprint in logs: the first 16 of SHA-256(public key).</summary>
    public const int FingerprintHexLength = 16;

    /// <summary>
    /// Loads the key, or makes and stores one when the file is missing. A file of the wrong size is
    /// an error, not a reason to make a new key silently: clients pinned the old one.
    /// </summary>
    public static X25519KeyPair LoadOrCreate(string stateDirectory, Action<string> log)
    {
        string path = Path.Combine(stateDirectory, FileName);
        if (File.Exists(path))
        {
            byte[] secret = File.ReadAllBytes(path);
            try
            {
                if (secret.Length != X25519KeyPair.KeySize)
                {
                    throw new InvalidDataException($"{path} holds {secret.Length} bytes, not an X25519 secret of {X25519KeyPair.KeySize}");
                }

                return X25519KeyPair.FromSecret(secret);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        Directory.CreateDirectory(stateDirectory);
        var key = X25519KeyPair.Generate();
        AtomicFile.Write(path, key.Secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        log($"rooms: new room server key in {path}");
        return key;
    }

    /// <summary>First 16 hex digits (lower case) of SHA-256 over the 32-byte public key.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> publicKey) =>
        Convert.ToHexStringLower(SHA256.HashData(publicKey))[..FingerprintHexLength];
}
