using PicoTalk.Service.Media;

namespace PicoTalk.Service.Tests.Media;

/// <summary>The saturating gain the audio threads apply, and the level meter.</summary>
public sealed class AudioGainsTests
{
    /// <summary>A 1 kHz sine at 48 kHz, whole periods (48 samples each).</summary>
    private static short[] Sine(double amplitude, int samples = 4800)
    {
        var pcm = new short[samples];
        for (int i = 0; i < samples; i++)
        {
            pcm[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * 1000 * i / 48_000.0));
        }

        return pcm;
    }

    [Theory]
    [InlineData(-20)]
    [InlineData(-6)]
    [InlineData(6)]
    [InlineData(-40)]
    public void A_gain_in_db_changes_the_measured_level_by_that_much(double db)
    {
        var pcm = Sine(8000);
        double before = AudioGains.LevelDb(pcm);
        AudioGains.Apply(pcm, AudioGains.Linear(db));
        Assert.InRange(AudioGains.LevelDb(pcm) - before, db - 0.5, db + 0.5);
    }

    [Fact]
    public void A_full_scale_sine_measures_about_minus_3_dbfs_and_silence_the_floor()
    {
        Assert.InRange(AudioGains.LevelDb(Sine(32767)), -3.1, -2.9);
        Assert.Equal(AudioGains.SilenceDb, AudioGains.LevelDb(new short[960]));
    }

    [Fact]
    public void Gain_saturates_at_the_16_bit_limits_instead_of_wrapping()
    {
        short[] pcm = [20000, -20000, 100, short.MinValue];
        AudioGains.Apply(pcm, AudioGains.Linear(20));
        Assert.Equal([short.MaxValue, short.MinValue, 1000, short.MinValue], pcm);
    }

    [Fact]
    public void A_gain_changed_live_is_read_by_the_next_period()
    {
        var gains = new AudioGains();
        Assert.Equal(1f, gains.Speaker);
        gains.Set(-20, 6);
        Assert.Equal(0.1f, gains.Speaker, 1e-6f);
        Assert.Equal(1.9953f, gains.Microphone, 1e-4f);
    }
}
