using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Audio;

public sealed class AudioDeviceSpecTests : IDisposable
{
    private readonly TempDirectory _dir = new("h3-spec");
    private readonly FakeTimeProvider _time = new(seed: 12);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("wav:/tmp/in.wav", AudioDeviceKind.Wav, "/tmp/in.wav")]
    [InlineData("WAV:C:\\sounds\\x.wav", AudioDeviceKind.Wav, "C:\\sounds\\x.wav")]
    [InlineData("alsa:hw:1,0", AudioDeviceKind.Alsa, "hw:1,0")]
    [InlineData("alsa:default", AudioDeviceKind.Alsa, "default")]
    [InlineData("silence", AudioDeviceKind.Silence, null)]
    [InlineData(" null ", AudioDeviceKind.Null, null)]
    [InlineData("Sim", AudioDeviceKind.Sim, null)]
    public void Valid_specs_parse(string text, AudioDeviceKind kind, string? argument)
    {
        var spec = AudioDeviceSpec.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(argument, spec.Argument);
        Assert.Equal(spec, AudioDeviceSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("", "empty device kind")]
    [InlineData("pulse:default", "unknown device kind 'pulse'")]
    [InlineData("wav:", "'wav' needs a file")]
    [InlineData("alsa", "'alsa' needs a device name")]
    [InlineData("sim:2", "'sim' takes no argument")]
    [InlineData("silence:yes", "'silence' takes no argument")]
    public void Bad_specs_name_the_spec_and_the_valid_forms(string text, string why)
    {
        var error = Assert.Throws<FormatException>(() => AudioDeviceSpec.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains(why, error.Message);
        Assert.Contains(AudioDeviceSpec.ValidForms, error.Message);
        Assert.False(AudioDeviceSpec.TryParse(text, out _));
    }

    [Fact]
    public void Directions_are_known()
    {
        Assert.False(AudioDeviceSpec.Parse("null").CanCapture);
        Assert.False(AudioDeviceSpec.Parse("silence").CanPlay);
        Assert.True(AudioDeviceSpec.Parse("sim").CanCapture && AudioDeviceSpec.Parse("sim").CanPlay);
    }

    [Fact]
    public void The_factory_opens_paced_devices_of_each_kind()
    {
        string wav = _dir.File("in.wav");
        WavTestFiles.Write(wav, WavTestFiles.Tone(440, 3000, 960));
        using var wavSource = AudioDevices.OpenSource(AudioDeviceSpec.Parse("wav:" + wav), 20, _time, loop: false);
        using var silence = AudioDevices.OpenSource(AudioDeviceSpec.Parse("silence"), 10, _time);
        using var simSource = AudioDevices.OpenSource(AudioDeviceSpec.Parse("sim"), 20, _time);
        using var wavSink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("wav:" + _dir.File("out.wav")), 20, _time);
        using var nullSink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("null"), 10, _time);
        using var simSink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("sim"), 20, _time);

        Assert.IsType<WavFileSource>(wavSource);
        Assert.IsType<SilenceSource>(silence);
        Assert.IsType<SimSource>(simSource);
        Assert.IsType<WavFileSink>(wavSink);
        Assert.IsType<NullSink>(nullSink);
        Assert.IsType<SimSink>(simSink);
        Assert.Equal(480, silence.FrameSamples);

        // Paced: the clock has not moved, so one period is all that is due after advancing once.
        _time.Advance(TimeSpan.FromMilliseconds(20));
        var frame = new short[960];
        Assert.True(wavSource.Read(frame));      // due at +20 ms: returns at once
        Assert.Equal(WavTestFiles.Tone(440, 3000, 960), frame);
        Assert.True(simSink.Write(frame));
        Assert.Equal(1, simSink is SimSink s ? s.Frames : -1);
    }

    [Fact]
    public void Wrong_directions_are_refused_clearly()
    {
        var nullIn = Assert.Throws<ArgumentException>(() => AudioDevices.OpenSource(AudioDeviceSpec.Parse("null"), 20, _time));
        Assert.Contains("'null' is output only", nullIn.Message);
        var silenceOut = Assert.Throws<ArgumentException>(() => AudioDevices.OpenSink(AudioDeviceSpec.Parse("silence"), 20, _time));
        Assert.Contains("'silence' is input only", silenceOut.Message);

        // alsa: specs open real devices: Alsa/AlsaFileTests, in the ALSA collection that sets up libasound's configuration.
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDevices.OpenSource(AudioDeviceSpec.Parse("sim"), 30, _time));
    }

    [Fact]
    public void A_bad_wav_file_fails_at_open_with_the_reason()
    {
        string bad = _dir.File("cd.wav");
        WavTestFiles.WriteRaw(bad, 44_100, 2, 16, new byte[16]);
        var error = Assert.Throws<WavFormatException>(() => AudioDevices.OpenSource(AudioDeviceSpec.Parse("wav:" + bad), 20, _time));
        Assert.Contains("cd.wav: 44100 Hz, need 48000 Hz", error.Message);
    }
}
