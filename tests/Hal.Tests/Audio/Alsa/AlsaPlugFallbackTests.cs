using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Alsa;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>
/// Issue 4: "48 kHz mono S16 (resample or convert where the card offers other formats)". A device
/// named in the config that opens but refuses the format is opened again through ALSA's plug layer.
/// </summary>
[Collection(AlsaCollection.Name)]
public sealed class AlsaPlugFallbackTests
{
    [AlsaPluginFact("a52")]
    public void A_device_at_another_rate_is_opened_through_the_plug_layer_which_resamples()
    {
        using var sink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("alsa:" + AlsaTestConfig.Rate44100Only), 20, new FakeTimeProvider());
        Assert.True(sink.Write(new short[sink.FrameSamples]));
    }

    [Fact]
    public void A_stereo_only_device_is_opened_through_the_plug_layer_which_downmixes()
    {
        using var sink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("alsa:" + AlsaTestConfig.StereoOnly), 10, new FakeTimeProvider());
        Assert.True(sink.Write(new short[sink.FrameSamples]));
    }

    [Fact]
    public void A_device_that_does_not_exist_is_not_retried_and_keeps_its_own_error()
    {
        var e = Assert.Throws<AlsaException>(() => AudioDevices.OpenSource(AudioDeviceSpec.Parse("alsa:picotalk_missing"), 20, new FakeTimeProvider()));
        Assert.Equal("picotalk_missing", e.Device);
    }

    [Theory]
    [InlineData("hw:1,0", "plughw:1,0")]
    [InlineData("speaker", "plug:speaker")]
    [InlineData("dmix:CARD=1", "plug:\"dmix:CARD=1\"")]
    [InlineData("plughw:1,0", null)]
    [InlineData("plug:x", null)]
    public void Plug_names(string name, string? expected) => Assert.Equal(expected, AudioDevices.PlugName(name));
}
