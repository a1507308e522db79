using System.Text;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// The libsodium binding against published vectors (RFC 7748 §6.1, NaCl's box test key, FIPS 180-2
/// "abc", the libsodium ristretto255 from_hash example) and against <see cref="NaClReference"/>.
/// </summary>
public sealed class SodiumTests
{
    // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret.
    internal static readonly byte[] AliceSecret = Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    internal static readonly byte[] AlicePublic = Hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    internal static readonly byte[] BobSecret = Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    internal static readonly byte[] BobPublic = Hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static readonly byte[] Shared = Hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    // NaCl's box test ("Cryptography in NaCl" §10, libsodium test/default/box.c): the precomputed
    // key of Alice and Bob above.
    private static readonly byte[] BoxKeyAliceBob = Hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");

    [Fact]
    public void X25519_matches_rfc7748_section_6_1()
    {
        var result = new byte[32];
        Sodium.ScalarMultBase(AliceSecret, result);
        Assert.Equal(AlicePublic, result);
        Sodium.ScalarMultBase(BobSecret, result);
        Assert.Equal(BobPublic, result);
        Assert.True(Sodium.TryScalarMult(AliceSecret, BobPublic, result));
        Assert.Equal(Shared, result);
        Assert.True(Sodium.TryScalarMult(BobSecret, AlicePublic, result));
        Assert.Equal(Shared, result);
    }

    [Fact]
    public void X25519_refuses_a_small_order_point()
    {
        var result = new byte[32];
        result[0] = 0xff;
        Assert.False(Sodium.TryScalarMult(AliceSecret, new byte[32], result));
        Assert.All(result, b => Assert.Equal(0, b));
        var one = new byte[32];
        one[0] = 1; // u = 1 has order 4
        Assert.False(Sodium.TryScalarMult(AliceSecret, one, result));
        Assert.False(Sodium.TryBoxBeforeNm(one, AliceSecret, result));
    }

    [Fact]
    public void Box_key_matches_the_nacl_vector_and_the_hsalsa20_reference()
    {
        Assert.Equal(BoxKeyAliceBob, HSalsa20(Shared, new byte[16]));
        var key = new byte[32];
        Assert.True(Sodium.TryBoxBeforeNm(BobPublic, AliceSecret, key));
        Assert.Equal(BoxKeyAliceBob, key);
        Assert.True(Sodium.TryBoxBeforeNm(AlicePublic, BobSecret, key));
        Assert.Equal(BoxKeyAliceBob, key);
    }

    [Fact]
    public void Secretbox_puts_the_tag_first_and_matches_the_reference()
    {
        var random = new Random(7);
        var key = new byte[32];
        var nonce = new byte[24];
        foreach (int length in new[] { 0, 1, 31, 32, 33, 64, 1024, 1500 })
        {
            random.NextBytes(key);
            random.NextBytes(nonce);
            var message = new byte[length];
            random.NextBytes(message);
            var sealedBox = new byte[length + Sodium.MacSize];
            Sodium.SecretBoxSeal(message, nonce, key, sealedBox);
            Assert.Equal(SecretBox(key, nonce, message), sealedBox);

            var opened = new byte[length];
            Assert.True(Sodium.TrySecretBoxOpen(sealedBox, nonce, key, opened));
            Assert.Equal(message, opened);

            sealedBox[random.Next(sealedBox.Length)] ^= 0x10;
            Assert.False(Sodium.TrySecretBoxOpen(sealedBox, nonce, key, opened));
            Assert.All(opened, b => Assert.Equal(0, b));
        }

        Assert.False(Sodium.TrySecretBoxOpen(new byte[15], nonce, key, Span<byte>.Empty));
    }

    [Fact]
    public void XSalsa20_stream_matches_bouncycastle()
    {
        var random = new Random(8);
        var key = new byte[32];
        var nonce = new byte[24];
        random.NextBytes(key);
        random.NextBytes(nonce);
        var stream = new byte[1056];
        Sodium.XSalsa20Stream(nonce, key, stream);
        Assert.Equal(XSalsa20Stream(key, nonce, 1056), stream);
    }

    [Fact]
    public void Sha512_matches_fips_180_2_appendix_c1()
    {
        var digest = new byte[64];
        Sodium.Sha512("abc"u8, digest);
        Assert.Equal(Hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
                         "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"), digest);
        Sodium.Sha512(ReadOnlySpan<byte>.Empty, digest);
        Assert.Equal(Sha512([]), digest);
    }

    [Fact]
    public void Ristretto255_from_hash_matches_the_libsodium_example()
    {
        // The example of sodium_crypto_core_ristretto255_from_hash in the PHP manual (libsodium 1.0.18).
        var point = new byte[32];
        Sodium.RistrettoFromHash(Hex("5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1" +
                                     "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6"), point);
        Assert.Equal(Hex("3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"), point);
    }

    [Fact]
    public void Ristretto255_scalar_mult_commutes_and_refuses_bad_encodings()
    {
        var g = new byte[32];
        Sodium.RistrettoFromHash(Sha512(Encoding.UTF8.GetBytes("generator")), g);
        var a = new byte[32];
        var b = new byte[32];
        Sodium.RistrettoRandomScalar(a);
        Sodium.RistrettoRandomScalar(b);
        var ga = new byte[32];
        var gb = new byte[32];
        var gab = new byte[32];
        var gba = new byte[32];
        Assert.True(Sodium.TryRistrettoScalarMult(a, g, ga));
        Assert.True(Sodium.TryRistrettoScalarMult(b, g, gb));
        Assert.True(Sodium.TryRistrettoScalarMult(b, ga, gab));
        Assert.True(Sodium.TryRistrettoScalarMult(a, gb, gba));
        Assert.Equal(gab, gba);

        // All ones is not a canonical encoding (RFC 9496 §4.3.1); zero is the identity.
        Assert.False(Sodium.TryRistrettoScalarMult(a, Enumerable.Repeat((byte)0xff, 32).ToArray(), gab));
        Assert.False(Sodium.TryRistrettoScalarMult(a, new byte[32], gab));
    }

    [Fact]
    public void Argon2id_is_deterministic_salted_and_refuses_too_little_memory()
    {
        var salt = new byte[16];
        var first = new byte[32];
        var second = new byte[32];
        var salted = new byte[32];
        const ulong ops = 2;
        const nuint mem = 8192 * 1024;
        Assert.True(Sodium.TryPasswordHash("correct horse"u8, salt, ops, mem, first));
        Assert.True(Sodium.TryPasswordHash("correct horse"u8, salt, ops, mem, second));
        Assert.Equal(first, second);
        salt[0] = 1;
        Assert.True(Sodium.TryPasswordHash("correct horse"u8, salt, ops, mem, salted));
        Assert.NotEqual(first, salted);
        Assert.False(Sodium.TryPasswordHash("correct horse"u8, salt, ops, 1024, salted)); // below crypto_pwhash_MEMLIMIT_MIN (8 KiB)
    }

    [Fact]
    public void Wrong_sizes_are_refused_before_the_native_call()
    {
        Assert.Throws<ArgumentException>(() => Sodium.ScalarMultBase(new byte[31], new byte[32]));
        Assert.Throws<ArgumentException>(() => Sodium.TryScalarMult(new byte[32], new byte[33], new byte[32]));
        Assert.Throws<ArgumentException>(() => Sodium.SecretBoxSeal(new byte[10], new byte[24], new byte[32], new byte[25]));
        Assert.Throws<ArgumentException>(() => Sodium.TrySecretBoxOpen(new byte[20], new byte[23], new byte[32], new byte[4]));
        Assert.Throws<ArgumentException>(() => Sodium.Sha512(new byte[3], new byte[32]));
    }

    [Fact]
    public void Random_bytes_fill_the_buffer()
    {
        var a = new byte[64];
        var b = new byte[64];
        Sodium.RandomBytes(a);
        Sodium.RandomBytes(b);
        Assert.NotEqual(a, b);
        Assert.NotEqual(new byte[64], a);
    }
}
