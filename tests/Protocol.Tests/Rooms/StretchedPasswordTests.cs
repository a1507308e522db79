using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// <see cref="StretchedPassword"/>: golden bytes computed with libsodium 1.0.18 from C (crypto_pwhash
/// Argon2id13, ops 1, 8 KiB, the salt as documented; then SHA-512 of label 0x00 key), so a change of
/// salt, label or algorithm shows here rather than as two appliances that cannot talk.
/// </summary>
public sealed class StretchedPasswordTests
{
    private const string Room = "4c1b2e6b5d5b1e0b7a4e0f52bd4b5c8e67a1f0e0b9cd8b3a1f2e3d4c5b6a7980";
    private static readonly PasswordStretchLimits Cheap = new(1, 8192);

    [Fact]
    public void Subkey_matches_libsodium_computed_from_C()
    {
        using var stretched = StretchedPassword.Derive("hunter2", Room, Cheap);
        var subkey = new byte[StretchedPassword.Size];
        stretched.DeriveSubkey("picotalk-cpace", subkey);
        Assert.Equal("29c9a0b419b62b04319d1c3bc72f549f478ffd1ea8d4d6e8772dada25b8722e3", Convert.ToHexStringLower(subkey));
    }

    [Fact]
    public void Room_password_and_label_each_change_the_subkey()
    {
        string Subkey(string password, string room, string label)
        {
            using var stretched = StretchedPassword.Derive(password, room, Cheap);
            var subkey = new byte[StretchedPassword.Size];
            stretched.DeriveSubkey(label, subkey);
            return Convert.ToHexStringLower(subkey);
        }

        string baseline = Subkey("hunter2", Room, "picotalk-cpace");
        Assert.Equal(baseline, Subkey("hunter2", Room, "picotalk-cpace"));
        Assert.NotEqual(baseline, Subkey("hunter3", Room, "picotalk-cpace"));
        Assert.NotEqual(baseline, Subkey("hunter2", RoomId.FromName("other"), "picotalk-cpace"));
        Assert.NotEqual(baseline, Subkey("hunter2", Room, "picotalk-mix-mac"));
    }

    [Fact]
    public void Limits_libsodium_refuses_are_reported()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => StretchedPassword.Derive("x", Room, new PasswordStretchLimits(1, 1024)));
        Assert.Contains("1024", ex.Message);
    }
}
