using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Support;

public class SpeechTests
{
    [Fact]
    public void Speech_is_48k_mono_16_bit_and_audible()
    {
        string path = Speech.Caller;
        using (var reader = WavReader.Open(path))
        {
            Assert.Equal(1, reader.SourceChannels);
            Assert.InRange(reader.Duration, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
        }

        var samples = WavReader.ReadAll(path);
        Assert.True(AudioAnalysis.Rms(samples) > 500, $"rms {AudioAnalysis.Rms(samples)}");
    }

    [Fact]
    public void Generation_is_cached_per_text()
    {
        string first = Speech.WavFile("cache check one two three");
        var written = File.GetLastWriteTimeUtc(first);
        Assert.Equal(first, Speech.WavFile("cache check one two three"));
        Assert.Equal(written, File.GetLastWriteTimeUtc(first));
        Assert.NotEqual(first, Speech.WavFile("cache check one two four"));
    }

    [Fact]
    public void The_two_directions_carry_different_speech()
    {
        var caller = WavReader.ReadAll(Speech.Caller);
        var callee = WavReader.ReadAll(Speech.Callee);
        Assert.NotEqual(Speech.Caller, Speech.Callee);

        int n = Math.Min(caller.Length, callee.Length);
        var (_, cross) = AudioAnalysis.Align(caller.AsSpan(0, n), callee.AsSpan(0, n), 4800);
        Assert.True(Math.Abs(cross) < 0.3, $"r = {cross}");

        var delayed = new short[caller.Length + 960];
        caller.CopyTo(delayed, 960);
        var (lag, self) = AudioAnalysis.Align(caller, delayed, 4800);
        Assert.Equal(960, lag);
        Assert.True(self > 0.99);
    }
}
