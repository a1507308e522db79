using System.Buffers.Binary;
using System.Numerics;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// The NaCl constructions rebuilt from BouncyCastle primitives and the papers, independently of
/// libsodium: the source of every expected value the rooms tests compare against.
/// </summary>
internal static class NaClReference
{
    public static byte[] X25519(byte[] secret, byte[] point)
    {
        var result = new byte[32];
        Org.BouncyCastle.Math.EC.Rfc7748.X25519.ScalarMult(secret, 0, point, 0, result, 0);
        return result;
    }

    public static byte[] X25519Base(byte[] secret)
    {
        var result = new byte[32];
        Org.BouncyCastle.Math.EC.Rfc7748.X25519.ScalarMultBase(secret, 0, result, 0);
        return result;
    }

    /// <summary>crypto_box_beforenm: HSalsa20 keyed with the X25519 result, nonce of 16 zero bytes (NaCl "box" §, "Cryptography in NaCl" §7).</summary>
    public static byte[] BoxKey(byte[] secret, byte[] theirPublic) => HSalsa20(X25519(secret, theirPublic), new byte[16]);

    /// <summary>HSalsa20 as defined in Bernstein, "Extending the Salsa20 nonce" §2, written here from the paper.</summary>
    public static byte[] HSalsa20(byte[] key, byte[] nonce16)
    {
        var x = new uint[16];
        x[0] = 0x61707865;
        x[5] = 0x3320646e;
        x[10] = 0x79622d32;
        x[15] = 0x6b206574;
        for (int i = 0; i < 4; i++)
        {
            x[1 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(4 * i));
            x[11 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(16 + (4 * i)));
            x[6 + i] = BinaryPrimitives.ReadUInt32LittleEndian(nonce16.AsSpan(4 * i));
        }

        for (int round = 0; round < 10; round++)
        {
            Quarter(x, 0, 4, 8, 12);
            Quarter(x, 5, 9, 13, 1);
            Quarter(x, 10, 14, 2, 6);
            Quarter(x, 15, 3, 7, 11);
            Quarter(x, 0, 1, 2, 3);
            Quarter(x, 5, 6, 7, 4);
            Quarter(x, 10, 11, 8, 9);
            Quarter(x, 15, 12, 13, 14);
        }

        var output = new byte[32];
        int[] words = [0, 5, 10, 15, 6, 7, 8, 9];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(4 * i), x[words[i]]);
        }

        return output;
    }

    private static void Quarter(uint[] x, int a, int b, int c, int d)
    {
        x[b] ^= BitOperations.RotateLeft(x[a] + x[d], 7);
        x[c] ^= BitOperations.RotateLeft(x[b] + x[a], 9);
        x[d] ^= BitOperations.RotateLeft(x[c] + x[b], 13);
        x[a] ^= BitOperations.RotateLeft(x[d] + x[c], 18);
    }

    public static byte[] XSalsa20Stream(byte[] key, byte[] nonce24, int length)
    {
        var engine = new XSalsa20Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce24));
        var zeros = new byte[length];
        var output = new byte[length];
        engine.ProcessBytes(zeros, 0, length, output, 0);
        return output;
    }

    /// <summary>
    /// NaCl secretbox ("Cryptography in NaCl" §9): the first 32 bytes of XSalsa20 key the one-time
    /// Poly1305, the message is XORed with the stream from byte 32; result tag (16) || ciphertext.
    /// </summary>
    public static byte[] SecretBox(byte[] key, byte[] nonce24, byte[] message)
    {
        byte[] stream = XSalsa20Stream(key, nonce24, 32 + message.Length);
        var ciphertext = new byte[message.Length];
        for (int i = 0; i < message.Length; i++)
        {
            ciphertext[i] = (byte)(message[i] ^ stream[32 + i]);
        }

        var mac = new Poly1305();
        mac.Init(new KeyParameter(stream, 0, 32));
        mac.BlockUpdate(ciphertext, 0, ciphertext.Length);
        var tag = new byte[16];
        mac.DoFinal(tag, 0);
        return [.. tag, .. ciphertext];
    }

    public static byte[] Sha512(byte[] input)
    {
        var digest = new Sha512Digest();
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[64];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty));
}
