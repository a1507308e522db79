using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Alsa;
using PicoTalk.TestSupport.Audio;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>
/// Capture and playback through libasound with the <c>file</c> plugin (no sound card here): what a
/// capture device delivers and what a playback device receives are compared sample by sample.
/// </summary>
[Collection(AlsaCollection.Name)]
public sealed class AlsaFileTests(AlsaTestConfig config)
{
    [Theory]
    [InlineData(20, 960)]
    [InlineData(10, 480)]
    public void Capture_returns_exactly_the_samples_of_the_file_period_by_period(int frameMs, int samples)
    {
        using var source = new AlsaSource(AlsaTestConfig.Capture, frameMs);
        Assert.Equal(samples, source.FrameSamples);
        Assert.Equal(AlsaStream.Capture, source.Pcm.Stream);

        var frame = new short[samples];
        for (int period = 0; period < config.Speech.Length / samples; period++)
        {
            Assert.True(source.Read(frame));
            Assert.True(config.Speech.AsSpan(period * samples, samples).SequenceEqual(frame), $"period {period} differs");
        }

        Assert.Equal(0, source.Overruns);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(10)]
    public void Playback_writes_exactly_what_was_written(int frameMs)
    {
        var sink = new AlsaSink(AlsaTestConfig.Playback, frameMs);
        Assert.Equal(AlsaStream.Playback, sink.Pcm.Stream);
        int n = sink.FrameSamples;
        for (int period = 0; period < config.Speech.Length / n; period++)
        {
            Assert.True(sink.Write(config.Speech.AsSpan(period * n, n)));
        }

        sink.Dispose();
        Assert.Equal(config.Speech, AlsaTestConfig.ReadRaw(config.PlaybackFile));
        Assert.Equal(0, sink.Underruns);
        Assert.False(sink.Write(config.Speech.AsSpan(0, n)));
    }

    [Fact]
    public void Capture_and_playback_of_one_device_name_are_not_swapped()
    {
        // One name, two directions (asym): capture reads the speech file, playback records into
        // another file. Swapped, the source would fail or hear nothing and the sink would record nothing.
        var spec = AudioDeviceSpec.Parse("alsa:" + AlsaTestConfig.Duplex);
        var time = new PicoTalk.TestSupport.FakeTimeProvider();
        var source = Assert.IsType<AlsaSource>(AudioDevices.OpenSource(spec, 20, time));
        var sink = Assert.IsType<AlsaSink>(AudioDevices.OpenSink(spec, 20, time));
        Assert.Equal(AlsaStream.Capture, source.Pcm.Stream);
        Assert.Equal(AlsaStream.Playback, sink.Pcm.Stream);

        var heard = new short[960];
        var said = PicoTalk.TestSupport.WavTestFiles.Tone(1000, 5000, 960);
        for (int period = 0; period < 5; period++)
        {
            Assert.True(source.Read(heard));
            Assert.True(config.Speech.AsSpan(period * 960, 960).SequenceEqual(heard));
            Assert.True(sink.Write(said));
        }

        source.Dispose();
        sink.Dispose();
        short[] recorded = AlsaTestConfig.ReadRaw(config.DuplexPlaybackFile);
        Assert.Equal(5 * 960, recorded.Length);
        for (int period = 0; period < 5; period++)
        {
            Assert.Equal(said, recorded[(period * 960)..((period + 1) * 960)]);
        }
    }

    [Fact]
    public void A_capture_only_device_is_refused_for_playback_and_the_reverse()
    {
        var asSink = Assert.Throws<AlsaException>(() => new AlsaSink(AlsaTestConfig.CaptureOnly, 20));
        Assert.Contains($"'{AlsaTestConfig.CaptureOnly}' cannot be opened for playback", asSink.Message);
        var asSource = Assert.Throws<AlsaException>(() => new AlsaSource(AlsaTestConfig.PlaybackOnly, 20));
        Assert.Contains($"'{AlsaTestConfig.PlaybackOnly}' cannot be opened for capture", asSource.Message);

        // The right directions open.
        using (new AlsaSource(AlsaTestConfig.CaptureOnly, 20))
        using (new AlsaSink(AlsaTestConfig.PlaybackOnly, 20))
        {
        }
    }

    [Fact]
    public void An_unknown_device_name_is_an_io_error_naming_the_device()
    {
        var e = Assert.Throws<AlsaException>(() => new AlsaSource("picotalk_no_such_device", 20));
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal("picotalk_no_such_device", e.Device);
        Assert.Contains("'picotalk_no_such_device' cannot be opened for capture", e.Message);
        Assert.Contains("arecord -L", e.Message);
        Assert.True(e.AlsaError < 0);

        var time = new PicoTalk.TestSupport.FakeTimeProvider();
        var viaSpec = Assert.Throws<AlsaException>(() => AudioDevices.OpenSink(AudioDeviceSpec.Parse("alsa:hw:99,0"), 20, time));
        Assert.Contains("'hw:99,0' cannot be opened for playback", viaSpec.Message);
        Assert.Contains("aplay -L", viaSpec.Message);
    }

    [AlsaPluginFact("a52")]
    public void A_device_that_offers_another_rate_is_refused_naming_the_rate_with_advice_to_use_plughw()
    {
        var e = Assert.Throws<AlsaException>(() => new AlsaSink(AlsaTestConfig.Rate44100Only, 20));
        Assert.Contains($"'{AlsaTestConfig.Rate44100Only}' offers 44100 Hz for playback, not 48000 Hz", e.Message);
        Assert.Contains("plughw:", e.Message);
    }

    [Fact]
    public void A_device_that_refuses_mono_is_refused_with_advice_to_use_plughw()
    {
        var e = Assert.Throws<AlsaException>(() => new AlsaSink(AlsaTestConfig.StereoOnly, 20));
        Assert.Contains($"'{AlsaTestConfig.StereoOnly}' does not take mono", e.Message);
        Assert.Contains("plughw:", e.Message);

        // Through the plug layer the same device converts, and opens.
        using var plugged = new AlsaSink("plug:" + AlsaTestConfig.StereoOnly, 20);
        Assert.True(plugged.Write(new short[960]));
    }
}
