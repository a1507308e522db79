using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Config;

/// <summary>config.json.last-good: written after every save, used when config.json is damaged at start.</summary>
public sealed class ConfigRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-recovery-").FullName;
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Main => Path.Combine(_dir, ConfigStore.FileName);

    private string Copy => Main + ConfigStore.LastGoodSuffix;

    private string Bad => Main + ConfigStore.BadSuffix;

    private DaemonConfig Load() => ConfigStore.LoadOrCreate(Main, _warnings.Add);

    /// <summary>A saved config with a non-default value, so a fallback to defaults would show.</summary>
    private byte[] SaveGood()
    {
        Assert.Null(ConfigStore.Save(Main, new DaemonConfig { Name = "Front door", UdpPort = 6000 }));
        return File.ReadAllBytes(Main);
    }

    [Fact]
    public void Save_writes_the_copy_with_the_same_bytes_and_mode()
    {
        byte[] saved = SaveGood();
        Assert.Equal(saved, File.ReadAllBytes(Copy));
        Assert.Equal(File.GetUnixFileMode(Main), File.GetUnixFileMode(Copy));
        Assert.Equal([Main, Copy], Directory.GetFiles(_dir).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> Damage => new()
    {
        { "truncated", good => good[..(good.Length / 2)], "not valid JSON" },
        { "garbage", _ => [0x00, 0xff, 0x13, 0x37, 0x7b], "not valid JSON" },
        { "empty", _ => [], "is empty" },
        { "invalid value", _ => """{"opus":{"bitrate":1}}"""u8.ToArray(), "opus.bitrate" },
        { "unknown key", _ => """{"nmae":"x"}"""u8.ToArray(), "nmae" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_main_file_is_kept_as_bad_and_the_copy_is_used_and_restored(string what, Func<byte[], byte[]> damage, string reason)
    {
        byte[] good = SaveGood();
        byte[] damaged = damage(good);
        File.WriteAllBytes(Main, damaged);

        var config = Load();

        Assert.Equal(("Front door", 6000), (config.Name, config.UdpPort));
        Assert.Equal(good, File.ReadAllBytes(Main));
        Assert.Equal(good, File.ReadAllBytes(Copy));
        Assert.True(File.Exists(Bad), $"{what}: no {Bad}");
        Assert.Equal(damaged, File.ReadAllBytes(Bad));
        string warning = Assert.Single(_warnings);
        Assert.Contains(Main, warning);
        Assert.Contains(reason, warning);
        Assert.Contains(Bad, warning);
        Assert.Contains(Copy, warning);
    }

    [Fact]
    public void A_missing_main_file_is_restored_from_the_copy_not_made_from_defaults()
    {
        byte[] good = SaveGood();
        File.Delete(Main);

        Assert.Equal("Front door", Load().Name);
        Assert.Equal(good, File.ReadAllBytes(Main));
        Assert.Contains("is missing", Assert.Single(_warnings));
        Assert.False(File.Exists(Bad));
    }

    [Fact]
    public void Both_damaged_is_refused_naming_both_and_nothing_is_changed()
    {
        File.WriteAllText(Main, """{"name": "Fro""");
        File.WriteAllText(Copy, """{"udp_port": 99999}""");

        var e = Assert.Throws<ConfigException>(Load);
        Assert.Contains("not valid JSON", e.Message);
        Assert.Contains("udp_port", e.Message);
        Assert.Contains(ConfigStore.FileName + ConfigStore.LastGoodSuffix, e.Message);
        Assert.Equal("""{"name": "Fro""", File.ReadAllText(Main));
        Assert.Equal("""{"udp_port": 99999}""", File.ReadAllText(Copy));
        Assert.False(File.Exists(Bad));
    }

    [Fact]
    public void A_missing_main_file_with_a_damaged_copy_is_refused_rather_than_replaced_by_defaults()
    {
        File.WriteAllText(Copy, "{");
        var e = Assert.Throws<ConfigException>(Load);
        Assert.Contains("is missing", e.Message);
        Assert.False(File.Exists(Main));
    }

    [Fact]
    public void A_good_main_file_brings_a_stale_or_damaged_copy_up_to_date()
    {
        byte[] good = SaveGood();
        File.WriteAllText(Copy, """{"name":"older"}""");
        Assert.Equal("Front door", Load().Name);
        Assert.Equal(good, File.ReadAllBytes(Copy));

        File.WriteAllText(Copy, "{");
        Load();
        Assert.Equal(good, File.ReadAllBytes(Copy));

        File.Delete(Copy);
        Load();
        Assert.Equal(good, File.ReadAllBytes(Copy));
        Assert.Empty(_warnings);
    }

    [Fact]
    public void Temp_files_of_a_killed_writer_are_removed_and_a_running_writers_are_kept()
    {
        SaveGood();
        // PID 0x7fffffff is above pid_max (proc(5): at most 2^22), so no process has it; PID 1 always runs.
        string dead = Path.Combine(_dir, $".config.json.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string deadCopy = Path.Combine(_dir, $".config.json.last-good.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string running = Path.Combine(_dir, $".config.json.1.{Guid.NewGuid():N}.tmp");
        string other = Path.Combine(_dir, $".identity.pem.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        foreach (string f in new[] { dead, deadCopy, running, other })
        {
            File.WriteAllText(f, "{\"na");
        }

        Assert.Equal("Front door", Load().Name);
        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(deadCopy));
        Assert.True(File.Exists(running));
        Assert.True(File.Exists(other));
        Assert.Equal(2, _warnings.Count(w => w.Contains("interrupted")));
    }

    [Fact]
    public void A_copy_that_cannot_be_written_is_a_warning_after_the_main_file_is_saved()
    {
        SaveGood();
        File.Delete(Copy);
        Directory.CreateDirectory(Copy); // rename(2) of a file over a directory fails with EISDIR

        string? warning = ConfigStore.Save(Main, new DaemonConfig { Name = "Side door" });

        Assert.NotNull(warning);
        Assert.Contains(Copy, warning);
        Assert.Equal("Side door", ConfigStore.Parse(Main, File.ReadAllBytes(Main)).Name);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Update_keeps_what_the_file_holds_and_refuses_a_damaged_file()
    {
        File.WriteAllText(Main, """{"name":"Gate","opus":{"bitrate":24000}}""");
        var (saved, warning) = ConfigStore.Update(Main, c => c with { UdpPort = 7000 });
        Assert.Null(warning);
        var reread = ConfigStore.Parse(Main, File.ReadAllBytes(Main));
        Assert.Equal(("Gate", 24000, 7000), (reread.Name, reread.Opus.Bitrate, reread.UdpPort));
        Assert.Equal(7000, saved.UdpPort);

        File.WriteAllText(Main, """{"name":""}""");
        Assert.Throws<ConfigException>(() => ConfigStore.Update(Main, c => c with { UdpPort = 7001 }));
        Assert.Equal("""{"name":""}""", File.ReadAllText(Main));
        Assert.Equal(7000, ConfigStore.Parse(Copy, File.ReadAllBytes(Copy)).UdpPort);
    }

    [Fact]
    public void Update_refuses_an_invalid_result_and_leaves_both_files()
    {
        byte[] good = SaveGood();
        var e = Assert.Throws<ConfigException>(() => ConfigStore.Update(Main, c => c with { UdpPort = -1 }));
        Assert.Equal("udp_port", Assert.Single(e.Errors).Key);
        Assert.Equal(good, File.ReadAllBytes(Main));
        Assert.Equal(good, File.ReadAllBytes(Copy));
    }
}
