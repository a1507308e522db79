using System.Text;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Room ids and the pairwise password exchange (PICOTALK.md "Connection to the server" step 4, "Inside a room").</summary>
public sealed class PasswordExchangeTests
{
    [Theory]
    [InlineData("abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")] // FIPS 180-2 C.1, first half
    [InlineData("Küche", "cf23676b319669bf55be5adb7c8c0292effb1c02ac18cdcc2e616c50e3d45bc4")] // Python hashlib, UTF-8
    public void Room_id_is_the_first_64_lower_case_hex_digits_of_sha512(string name, string expected)
    {
        Assert.Equal(expected, RoomId.FromName(name));
        Assert.True(RoomId.IsWellFormed(expected));
    }

    [Theory]
    [InlineData("DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A")]
    [InlineData("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39")]
    [InlineData("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39g")]
    [InlineData("")]
    [InlineData(null)]
    public void Malformed_room_ids_are_recognised(string? roomId) => Assert.False(RoomId.IsWellFormed(roomId));

    // "hunter2", "pässwörd" and "" have the top bit of G set, which X25519 ignores (RFC 7748 §5):
    // libsodium and BouncyCastle must agree there too.
    [Theory]
    [InlineData("hunter2")]
    [InlineData("pässwörd")]
    [InlineData("")]
    [InlineData("correct horse battery staple")]
    public void Public_values_and_key_match_the_reference(string password)
    {
        byte[] secretA = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
        byte[] secretB = Enumerable.Range(1, 32).Select(i => (byte)(i * 13)).ToArray();
        byte[] g = Sha512(Encoding.UTF8.GetBytes(password))[..32];
        byte[] publicA = X25519(secretA, g);
        byte[] publicB = X25519(secretB, g);
        byte[] expectedKey = Sha512(X25519(secretA, publicB))[..32];

        var generator = new byte[32];
        PasswordExchange.Generator(password, generator);
        Assert.Equal(g, generator);

        using var a = new PasswordExchange(password, secretA);
        using var b = new PasswordExchange(password, secretB);
        Assert.Equal(publicA, a.PublicValue.ToArray());
        Assert.Equal(publicB, b.PublicValue.ToArray());

        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.PublicValue, keyA));
        Assert.True(b.TryDeriveKey(a.PublicValue, keyB));
        Assert.Equal(expectedKey, keyA);
        Assert.Equal(expectedKey, keyB);
    }

    [Fact]
    public void Different_passwords_give_different_keys()
    {
        using var a = new PasswordExchange("right");
        using var b = new PasswordExchange("wrong");
        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.PublicValue, keyA));
        Assert.True(b.TryDeriveKey(a.PublicValue, keyB));
        Assert.NotEqual(keyA, keyB);
    }

    [Fact]
    public void Small_order_or_wrong_sized_public_values_are_refused()
    {
        using var a = new PasswordExchange("pw");
        var key = new byte[32];
        Assert.False(a.TryDeriveKey(new byte[32], key));
        var one = new byte[32];
        one[0] = 1;
        Assert.False(a.TryDeriveKey(one, key));
        Assert.False(a.TryDeriveKey(new byte[31], key));
        Assert.All(key, x => Assert.Equal(0, x));
    }
}
