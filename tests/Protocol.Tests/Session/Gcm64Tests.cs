using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>Gcm64 against an independent AES-GCM (BouncyCastle, macSize 64) and a published vector.</summary>
public sealed class Gcm64Tests
{
    private static (byte[] Ciphertext, byte[] Tag) BouncySeal(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(true, new AeadParameters(new KeyParameter(key), 64, (byte[])nonce.Clone(), aad));
        var output = new byte[gcm.GetOutputSize(plaintext.Length)];
        int n = gcm.ProcessBytes(plaintext, 0, plaintext.Length, output, 0);
        n += gcm.DoFinal(output, n);
        Assert.Equal(plaintext.Length + 8, n);
        return (output[..plaintext.Length], output[plaintext.Length..]);
    }

    private static byte[]? BouncyOpen(byte[] key, byte[] nonce, byte[] ciphertext, byte[] tag, byte[] aad)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(false, new AeadParameters(new KeyParameter(key), 64, (byte[])nonce.Clone(), aad));
        byte[] input = [.. ciphertext, .. tag];
        var output = new byte[gcm.GetOutputSize(input.Length)];
        try
        {
            int n = gcm.ProcessBytes(input, 0, input.Length, output, 0);
            gcm.DoFinal(output, n);
            return output;
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            return null;
        }
    }

    [Fact]
    public void Known_answer_gcm_spec_test_case_16_truncated_to_64_bits()
    {
        // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 20-byte AAD);
        // the 64-bit tag is the first 8 bytes of the published 128-bit tag (SP 800-38D §5.2.1.2).
        byte[] key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        byte[] nonce = Convert.FromHexString("cafebabefacedbaddecaf888");
        byte[] plaintext = Convert.FromHexString(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        const string expectedCiphertext =
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
        const string expectedTag = "76fc6ece0f4e1768";

        using var aes = Gcm64.CreateCipher(key);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[8];
        Gcm64.Seal(aes, nonce, plaintext, ciphertext, tag, aad);

        Assert.Equal(expectedCiphertext, Convert.ToHexStringLower(ciphertext));
        Assert.Equal(expectedTag, Convert.ToHexStringLower(tag));
        var (bcCiphertext, bcTag) = BouncySeal(key, nonce, plaintext, aad);
        Assert.Equal(expectedCiphertext, Convert.ToHexStringLower(bcCiphertext));
        Assert.Equal(expectedTag, Convert.ToHexStringLower(bcTag));

        var opened = new byte[plaintext.Length];
        Assert.True(Gcm64.TryOpen(aes, nonce, ciphertext, tag, opened, aad));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Agrees_with_bouncycastle_both_ways_and_refuses_every_flipped_bit()
    {
        var random = new Random(7);
        for (int round = 0; round < 150; round++)
        {
            var key = new byte[32];
            var nonce = new byte[12];
            var plaintext = new byte[random.Next(0, 300)];
            var aad = new byte[random.Next(0, 20)];
            random.NextBytes(key);
            random.NextBytes(nonce);
            random.NextBytes(plaintext);
            random.NextBytes(aad);
            using var aes = Gcm64.CreateCipher(key);

            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[8];
            Gcm64.Seal(aes, nonce, plaintext, ciphertext, tag, aad);
            var (bcCiphertext, bcTag) = BouncySeal(key, nonce, plaintext, aad);
            Assert.Equal(bcCiphertext, ciphertext);
            Assert.Equal(bcTag, tag);
            Assert.Equal(plaintext, BouncyOpen(key, nonce, ciphertext, tag, aad));

            var opened = new byte[plaintext.Length];
            Assert.True(Gcm64.TryOpen(aes, nonce, bcCiphertext, bcTag, opened, aad));
            Assert.Equal(plaintext, opened);

            // One flipped bit anywhere (tag, ciphertext, AAD) fails in both implementations.
            int field = round % 3;
            byte[] badTag = (byte[])tag.Clone(), badCiphertext = (byte[])ciphertext.Clone(), badAad = (byte[])aad.Clone();
            byte[] target = field == 0 || (field == 1 && badCiphertext.Length == 0) || (field == 2 && badAad.Length == 0)
                ? badTag
                : field == 1 ? badCiphertext : badAad;
            int bit = random.Next(target.Length * 8);
            target[bit / 8] ^= (byte)(1 << (bit % 8));
            Array.Fill(opened, (byte)0xEE);
            Assert.False(Gcm64.TryOpen(aes, nonce, badCiphertext, badTag, opened, badAad));
            Assert.All(opened, b => Assert.Equal(0, b));
            Assert.Null(BouncyOpen(key, nonce, badCiphertext, badTag, badAad));
        }
    }

    [Fact]
    public void Opens_large_payloads_through_the_pooled_scratch()
    {
        var key = new byte[32];
        var nonce = new byte[12];
        var plaintext = new byte[5000];
        new Random(3).NextBytes(plaintext);
        using var aes = Gcm64.CreateCipher(key);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[8];
        Gcm64.Seal(aes, nonce, plaintext, ciphertext, tag, default);
        var opened = new byte[plaintext.Length];
        Assert.True(Gcm64.TryOpen(aes, nonce, ciphertext, tag, opened, default));
        Assert.Equal(plaintext, opened);
        Assert.Equal(BouncySeal(key, nonce, plaintext, []).Tag, tag);
    }

    [Fact]
    public void Refuses_wrong_sizes()
    {
        using var aes = Gcm64.CreateCipher(new byte[32]);
        Assert.Throws<ArgumentException>(() => Gcm64.CreateCipher(new byte[16]));
        Assert.False(Gcm64.TryOpen(aes, new byte[12], new byte[4], new byte[7], new byte[4], default));
        Assert.False(Gcm64.TryOpen(aes, new byte[12], new byte[4], new byte[8], new byte[3], default));
    }
}
