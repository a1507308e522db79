using System.Text.Json.Nodes;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Config;

/// <summary>RFC 7396 merge patch over config JSON, and ConfigStore.Patch's all-or-nothing save.</summary>
public sealed class ConfigMergePatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-patch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Merge(string target, string patch) =>
        ConfigMergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch))?.ToJsonString() ?? "null";

    [Fact]
    public void Objects_merge_recursively_and_keep_what_the_patch_leaves_out()
    {
        Assert.Equal("""{"name":"A","audio":{"frame_ms":10,"agc":true},"opus":{"bitrate":24000}}""",
            Merge("""{"name":"A","audio":{"frame_ms":20,"agc":true}}""", """{"audio":{"frame_ms":10},"opus":{"bitrate":24000}}"""));
    }

    [Fact]
    public void Null_removes_a_key_and_arrays_replace_whole()
    {
        Assert.Equal("""{"dht":{"bootstrap":["c:3"]}}""",
            Merge("""{"name":"A","dht":{"bootstrap":["a:1","b:2"]}}""", """{"name":null,"dht":{"bootstrap":["c:3"]}}"""));
    }

    // RFC 7396 Appendix A, a selection: a scalar replaced by an object, an object by a scalar,
    // nulls inside a new member dropped, a non-object patch replacing the target.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""{"a":"foo"}""", """ "bar" """, "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void The_rfc_7396_examples_hold(string target, string patch, string expected) =>
        Assert.Equal(expected, Merge(target, patch));

    [Fact]
    public void Differing_keys_are_dotted_and_an_array_counts_once()
    {
        var keys = ConfigMergePatch.DifferingKeys(
            JsonNode.Parse("""{"udp_port":5004,"audio":{"frame_ms":20,"agc":false},"dht":{"bootstrap":["a:1"]}}"""),
            JsonNode.Parse("""{"udp_port":5005,"audio":{"frame_ms":20,"agc":true},"dht":{"bootstrap":["a:1","b:2"]}}"""));
        Assert.Equal(["udp_port", "audio.agc", "dht.bootstrap"], keys);
    }

    [Fact]
    public void A_valid_patch_is_saved_with_the_keys_it_leaves_out_kept()
    {
        string path = Path.Combine(_dir, ConfigStore.FileName);
        File.WriteAllText(path, """{"name":"Porch", /* a comment the owner wrote */ "opus":{"bitrate":24000}}""");
        var (saved, _) = ConfigStore.Patch(path, JsonNode.Parse("""{"audio":{"mic_gain_db":-20},"opus":{"complexity":9}}""")!);
        var read = ConfigStore.Read(path);
        Assert.Equal(("Porch", 24000, 9, -20.0), (read.Name, read.Opus.Bitrate, read.Opus.Complexity, read.Audio.MicGainDb));
        Assert.True(JsonNode.DeepEquals(ConfigStore.ToJson(saved), ConfigStore.ToJson(read)));
        Assert.Equal(File.ReadAllText(path), File.ReadAllText(path + ConfigStore.LastGoodSuffix));
    }

    [Theory]
    [InlineData("""{"opus":{"bitrate":1000}}""", "opus.bitrate: must be 6000 to 510000 bit/s")]
    [InlineData("""{"audio":{"speaker_gain_db":21}}""", "audio.speaker_gain_db: must be -40 to 20 dB")]
    [InlineData("""{"audio":{"mic_gain_db":-40.5}}""", "audio.mic_gain_db: must be -40 to 20 dB")]
    [InlineData("""{"audio":{"frame_ms":"twenty"}}""", "audio.frame_ms: has the wrong type")]
    [InlineData("""{"audio":{"volume":3}}""", "audio.volume: unknown key")]
    [InlineData("""{"name":null,"calls":{"ring_timeout_seconds":1}}""", "calls.ring_timeout_seconds: must be 5 to 600")]
    public void A_refused_patch_names_the_key_and_writes_nothing(string patch, string error)
    {
        string path = Path.Combine(_dir, ConfigStore.FileName);
        ConfigStore.Save(path, new DaemonConfig { Name = "Porch" });
        byte[] before = File.ReadAllBytes(path);
        byte[] copyBefore = File.ReadAllBytes(path + ConfigStore.LastGoodSuffix);

        var e = Assert.Throws<ConfigException>(() => ConfigStore.Patch(path, JsonNode.Parse(patch)!));
        Assert.StartsWith(error, Assert.Single(e.Errors).ToString());
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(copyBefore, File.ReadAllBytes(path + ConfigStore.LastGoodSuffix));
    }

    [Fact]
    public void Every_refused_key_is_named()
    {
        string path = Path.Combine(_dir, ConfigStore.FileName);
        ConfigStore.Save(path, new DaemonConfig());
        var e = Assert.Throws<ConfigException>(() =>
            ConfigStore.Patch(path, JsonNode.Parse("""{"opus":{"complexity":11},"calls":{"unknown_callers":"maybe"}}""")!));
        Assert.Equal(["opus.complexity", "calls.unknown_callers"], e.Errors.Select(x => x.Key));
    }
}
