using System.Text;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Config;

public sealed class ConfigStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string Json(DaemonConfig config)
    {
        string path = PathOf("compare.json");
        ConfigStore.Save(path, config);
        return File.ReadAllText(path);
    }

    [Fact]
    public void A_missing_file_is_created_with_the_defaults_and_reads_back_equal()
    {
        string path = PathOf("config.json");
        var created = ConfigStore.LoadOrCreate(path);
        Assert.True(File.Exists(path));
        // Records with list members compare lists by reference: compare what the file would hold.
        Assert.Equal(Json(new DaemonConfig()), Json(created));
        Assert.Equal(Json(created), Json(ConfigStore.LoadOrCreate(path)));
        Assert.Contains("\"udp_port\": 5004", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("""{"opus":{"bitrate":5999}}""", "opus.bitrate")]
    [InlineData("""{"opus":{"bitrate":510001}}""", "opus.bitrate")]
    [InlineData("""{"udp_port":70000}""", "udp_port")]
    [InlineData("""{"audio":{"frame_ms":30}}""", "audio.frame_ms")]
    [InlineData("""{"bind":"not-an-address"}""", "bind")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"opus":{"bitrat":24000}}""", "opus.bitrat")]
    [InlineData("""{"udp_port":"5004"}""", "udp_port")]
    [InlineData("""{"audio":{"echo_tail_ms":10}}""", "audio.echo_tail_ms")]
    [InlineData("""{"opus":{"min_bitrate":5000}}""", "opus.min_bitrate")]
    [InlineData("""{"opus":{"min_bitrate":40000,"max_bitrate":30000}}""", "opus.max_bitrate")]
    [InlineData("""{"opus":{"bitrate":80000}}""", "opus.bitrate")]
    [InlineData("""{"audio":{"echo_tail_ms":501}}""", "audio.echo_tail_ms")]
    public void A_bad_value_is_refused_naming_the_key(string json, string key)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigStore.Parse("config.json", Encoding.UTF8.GetBytes(json)));
        Assert.Contains(e.Errors, error => error.Key == key);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Voice_processing_keys_reach_the_capture_chain()
    {
        var defaults = new DaemonConfig().VoiceSettings();
        Assert.True(defaults.EchoCancellation);
        Assert.True(defaults.Preprocessor.NoiseSuppression);
        Assert.False(defaults.Preprocessor.AutomaticGain || defaults.Preprocessor.VoiceActivity);

        var config = ConfigStore.Parse("config.json",
            """{"audio":{"echo_cancellation":false,"echo_tail_ms":256,"noise_suppression":false,"agc":true,"vad":true}}"""u8);
        var voice = config.VoiceSettings();
        Assert.Equal((false, 256, false, true, true), (voice.EchoCancellation, voice.EchoTailMilliseconds,
            voice.Preprocessor.NoiseSuppression, voice.Preprocessor.AutomaticGain, voice.Preprocessor.VoiceActivity));
    }

    [Fact]
    public void Bootstrap_entries_are_checked_one_by_one()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigStore.Parse("config.json",
            """{"dht":{"bootstrap":["router.example:6881","nonsense","[::1]:0"]}}"""u8));
        Assert.Equal(["dht.bootstrap[1]", "dht.bootstrap[2]"], e.Errors.Select(x => x.Key));
    }

    [Fact]
    public void Broken_json_is_refused_with_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigStore.Parse("config.json", "{\"name\": \"a\",\n  oops}"u8));
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void Save_refuses_an_invalid_config_and_leaves_the_file_alone()
    {
        string path = PathOf("config.json");
        ConfigStore.Save(path, new DaemonConfig { Name = "door" });
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<ConfigException>(() => ConfigStore.Save(path, new DaemonConfig { Opus = new OpusConfig { Bitrate = 1 } }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Atomic_write_sets_the_mode_from_the_first_byte_and_leaves_no_temp_file()
    {
        string path = PathOf("secret");
        AtomicFile.WriteText(path, "one", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.WriteText(path, "two", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Atomic_write_into_a_missing_directory_fails_without_leaving_anything()
    {
        string path = Path.Combine(_dir, "missing", "config.json");
        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteText(path, "x", UnixFileMode.UserRead));
        Assert.False(Directory.Exists(Path.Combine(_dir, "missing")));
    }
}
