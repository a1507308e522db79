using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Support;

public class TempDirectoryTests
{
    [Fact]
    public void It_is_fresh_and_is_removed_with_its_contents()
    {
        string path;
        using (var dir = new TempDirectory("h3-tmp"))
        {
            path = dir.Path;
            Assert.True(Directory.Exists(path));
            Assert.Empty(Directory.EnumerateFileSystemEntries(path));
            Directory.CreateDirectory(dir.File("a/b"));
            File.WriteAllText(dir.File("a/b/c.txt"), "x");
            using var other = new TempDirectory("h3-tmp");
            Assert.NotEqual(path, other.Path);
        }

        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void Disposing_twice_or_after_removal_is_harmless()
    {
        var dir = new TempDirectory();
        Directory.Delete(dir.Path);
        dir.Dispose();
        dir.Dispose();
    }

    [Fact]
    public void Wav_helpers_round_trip_and_generate_signals()
    {
        using var dir = new TempDirectory();
        var tone = WavTestFiles.Tone(1000, 3000, 480);
        WavTestFiles.Write(dir.File("t.wav"), tone);
        Assert.Equal(tone, WavTestFiles.Read(dir.File("t.wav")));
        Assert.Equal(0, tone[0]);
        Assert.Equal(3000, tone[12]); // a quarter cycle of 1 kHz at 48 kHz
        Assert.Equal(WavTestFiles.Noise(1, 100), WavTestFiles.Noise(1, 100));
        Assert.All(WavTestFiles.Noise(2, 1000, 50), s => Assert.InRange(s, (short)-50, (short)50));
    }
}
