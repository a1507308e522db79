using PicoTalk.Service.Config;
using PicoTalk.Service.Identity;

namespace PicoTalk.Service.Tests.Config;

/// <summary>identity.pem and its copy: the node ID survives a damaged key file, and is never silently replaced.</summary>
public sealed class IdentityStoreTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-identity-").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Main => Path.Combine(_dir, IdentityStore.FileName);

    private string Copy => Path.Combine(_dir, IdentityStore.LastGoodFileName);

    private string Bad => Main + ConfigStore.BadSuffix;

    private string LoadId() => IdentityStore.LoadOrCreate(_dir, _log.Add).Id.ToString();

    [Fact]
    public void A_new_identity_is_written_twice_owner_only_and_loads_back()
    {
        string id = LoadId();
        Assert.Equal(File.ReadAllText(Main), File.ReadAllText(Copy));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Main));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Copy));
        Assert.Equal(id, LoadId());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    public void A_damaged_key_is_kept_as_bad_and_restored_from_the_copy(string damage)
    {
        string id = LoadId();
        string pem = File.ReadAllText(Main);
        string damaged = damage switch
        {
            "garbage" => "not a key at all",
            "truncated" => pem[..(pem.Length / 2)],
            _ => "",
        };
        File.WriteAllText(Main, damaged);
        _log.Clear();

        Assert.Equal(id, LoadId());
        Assert.Equal(pem, File.ReadAllText(Main));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Main));
        Assert.Equal(damaged, File.ReadAllText(Bad));
        Assert.Contains(Copy, Assert.Single(_log));
    }

    [Fact]
    public void A_missing_key_is_restored_from_the_copy_with_the_same_id()
    {
        string id = LoadId();
        File.Delete(Main);
        Assert.Equal(id, LoadId());
        Assert.True(File.Exists(Main));
    }

    [Fact]
    public void A_damaged_key_without_a_usable_copy_stops_the_start_and_no_new_identity_is_made()
    {
        LoadId();
        File.WriteAllText(Main, "broken");
        File.WriteAllText(Copy, "also broken");
        var e = Assert.Throws<InvalidDataException>(LoadId);
        Assert.Contains("not a usable P-256 PKCS#8 PEM key", e.Message);
        Assert.Equal("broken", File.ReadAllText(Main));
        Assert.Equal("also broken", File.ReadAllText(Copy));

        File.Delete(Copy);
        Assert.Throws<InvalidDataException>(LoadId);

        File.Delete(Main);
        File.WriteAllText(Copy, "also broken");
        Assert.Throws<InvalidDataException>(LoadId);
        Assert.False(File.Exists(Main));
    }

    [Fact]
    public void A_key_from_before_copies_were_kept_gets_its_copy()
    {
        string id = LoadId();
        File.Delete(Copy);
        Assert.Equal(id, LoadId());
        Assert.Equal(File.ReadAllText(Main), File.ReadAllText(Copy));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Copy));
    }

    [Fact]
    public void A_temp_file_left_by_a_killed_write_is_removed()
    {
        string temp = Path.Combine(_dir, $".identity.pem.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, "-----BEGIN PRIVATE KEY-----");
        LoadId();
        Assert.False(File.Exists(temp));
        Assert.Contains(_log, l => l.Contains(temp));
    }
}
