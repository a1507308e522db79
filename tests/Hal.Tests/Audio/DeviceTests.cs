using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Audio;

public sealed class DeviceTests : IDisposable
{
    private readonly TempDirectory _dir = new("h3-dev");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(10, 480)]
    [InlineData(20, 960)]
    public void Frame_sizes_follow_the_period(int frameMs, int samples)
    {
        string wav = _dir.File("a.wav");
        WavTestFiles.Write(wav, new short[100]);
        using var wavSource = new WavFileSource(wav, frameMs);
        using var wavSink = new WavFileSink(_dir.File("b.wav"), frameMs);
        using var silence = new SilenceSource(frameMs);
        using var nullSink = new NullSink(frameMs);
        using var simSource = new SimSource(frameMs);
        using var simSink = new SimSink(frameMs);
        Assert.All(new[] { wavSource.FrameSamples, wavSink.FrameSamples, silence.FrameSamples, nullSink.FrameSamples, simSource.FrameSamples, simSink.FrameSamples },
            n => Assert.Equal(samples, n));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SilenceSource(15));
        Assert.Throws<ArgumentException>(() => silence.Read(new short[samples + 1]));
    }

    [Fact]
    public void Wav_source_without_loop_pads_the_last_frame_then_ends()
    {
        var samples = WavTestFiles.Noise(7, 960 * 2 + 100);
        string path = _dir.File("speech.wav");
        WavTestFiles.Write(path, samples);
        using var source = new WavFileSource(path, 20, pacer: null, loop: false);
        var frame = new short[960];

        Assert.True(source.Read(frame));
        Assert.Equal(samples[..960], frame);
        Assert.True(source.Read(frame));
        Assert.True(source.Read(frame));
        Assert.Equal(samples[1920..], frame[..100]);
        Assert.All(frame[100..], s => Assert.Equal(0, s));
        Assert.False(source.Read(frame));
        Assert.False(source.Read(frame));
    }

    [Fact]
    public void Wav_source_with_loop_wraps_around_mid_frame()
    {
        var samples = WavTestFiles.Noise(8, 700);
        string path = _dir.File("loop.wav");
        WavTestFiles.Write(path, samples);
        using var source = new WavFileSource(path, 10, loop: true);
        var frame = new short[480];
        var heard = new List<short>();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(source.Read(frame));
            heard.AddRange(frame);
        }

        for (int i = 0; i < heard.Count; i++)
        {
            Assert.Equal(samples[i % 700], heard[i]);
        }

        Assert.Equal(4, source.Loops);
    }

    [Fact]
    public void Empty_wav_gives_silence_when_looping_and_ends_otherwise()
    {
        string path = _dir.File("empty.wav");
        WavTestFiles.Write(path, ReadOnlySpan<short>.Empty);
        var frame = new short[480];
        frame.AsSpan().Fill(5);
        using (var looping = new WavFileSource(path, 10, loop: true))
        {
            Assert.True(looping.Read(frame));
            Assert.All(frame, s => Assert.Equal(0, s));
        }

        using var once = new WavFileSource(path, 10, loop: false);
        Assert.False(once.Read(frame));
    }

    [Fact]
    public void Wav_sink_records_every_frame_and_flushes_each_second()
    {
        string path = _dir.File("out.wav");
        var sink = new WavFileSink(path, 20);
        var tone = WavTestFiles.Tone(1000, 6000, 960 * 60);
        for (int i = 0; i < 60; i++)
        {
            Assert.True(sink.Write(tone.AsSpan(i * 960, 960)));
        }

        // Not disposed yet: the header covers the first 50 frames (one second).
        using (var reader = WavReader.Open(path))
        {
            Assert.Equal(50 * 960, reader.SampleCount);
        }

        sink.Dispose();
        Assert.Equal(tone, WavReader.ReadAll(path));
        Assert.False(sink.Write(tone.AsSpan(0, 960)));
    }

    [Fact]
    public void Silence_and_null_do_their_one_job_until_disposed()
    {
        var silence = new SilenceSource(20);
        var frame = new short[960];
        frame.AsSpan().Fill(99);
        Assert.True(silence.Read(frame));
        Assert.All(frame, s => Assert.Equal(0, s));
        silence.Dispose();
        Assert.False(silence.Read(frame));

        var sink = new NullSink(20);
        Assert.True(sink.Write(frame));
        sink.Dispose();
        Assert.False(sink.Write(frame));
    }

    [Fact]
    public void Sim_source_is_silent_then_plays_queued_frames_then_the_tone()
    {
        using var source = new SimSource(20);
        var frame = new short[960];
        Assert.True(source.Read(frame));
        Assert.Equal(0, AudioAnalysis.Rms(frame));

        source.PlayTone(1000, 8000);
        var queued = WavTestFiles.Noise(9, 960 + 480);
        source.Enqueue(queued);
        Assert.Equal(1440, source.QueuedSamples);

        Assert.True(source.Read(frame));
        Assert.Equal(queued[..960], frame);
        Assert.True(source.Read(frame));
        Assert.Equal(queued[960..], frame[..480]);
        Assert.Equal(0, source.QueuedSamples);

        var tone = new short[960 * 5];
        for (int i = 0; i < 5; i++)
        {
            Assert.True(source.Read(frame));
            frame.CopyTo(tone.AsSpan(i * 960));
        }

        Assert.InRange(AudioAnalysis.ToneMagnitude(tone, 48_000, 1000), 7900, 8100);
        Assert.InRange(AudioAnalysis.ToneMagnitude(tone, 48_000, 1500), 0, 100);

        source.PlaySilence();
        Assert.True(source.Read(frame));
        Assert.Equal(0, AudioAnalysis.Rms(frame));
        Assert.Equal(9, source.FramesRead);
    }

    [Fact]
    public void Sim_source_queue_grows_and_keeps_order_across_the_wrap()
    {
        using var source = new SimSource(10);
        var frame = new short[480];
        var all = WavTestFiles.Noise(10, 48_000 * 3);
        source.Enqueue(all.AsSpan(0, 40_000));
        for (int i = 0; i < 50; i++)
        {
            source.Read(frame); // moves the head so the next enqueue wraps
        }

        source.Enqueue(all.AsSpan(40_000)); // needs more than the capacity: grows across the wrap
        source.ClearQueue();
        Assert.Equal(0, source.QueuedSamples);

        source.Enqueue(all);
        var heard = new List<short>();
        while (source.QueuedSamples > 0)
        {
            source.Read(frame);
            heard.AddRange(frame);
        }

        Assert.Equal(all, heard);
    }

    [Fact]
    public void Sim_sink_counts_frames_and_levels()
    {
        using var sink = new SimSink(20);
        Assert.True(sink.Write(new short[960]));
        Assert.Equal(0, sink.LastRms);
        var tone = WavTestFiles.Tone(500, 1000, 960);
        Assert.True(sink.Write(tone));
        Assert.InRange(sink.LastRms, 700, 715); // 1000 / sqrt(2)
        var whisper = new short[960];
        whisper.AsSpan().Fill(30);
        Assert.True(sink.Write(whisper));
        Assert.Equal(30, sink.LastRms, tolerance: 1e-9);

        Assert.Equal(3, sink.Frames);
        Assert.Equal(1, sink.NonSilentFrames);
        sink.Dispose();
        Assert.False(sink.Write(tone));
        Assert.Equal(3, sink.Frames);
    }

    [Fact]
    public void Disposing_a_paced_device_unblocks_its_reader()
    {
        var time = new FakeTimeProvider(seed: 11);
        var source = new SimSource(20, new AudioPacer(time, TimeSpan.FromMilliseconds(20)));
        var results = new List<bool>();
        var thread = new Thread(() =>
        {
            var frame = new short[960];
            bool ok;
            do
            {
                ok = source.Read(frame);
                lock (results)
                {
                    results.Add(ok);
                }
            }
            while (ok);
        }) { Name = "capture" };
        thread.Start();

        Waits.Until(() => time.ActiveTimerCount == 1, "the capture thread waits for a period");
        time.Advance(TimeSpan.FromMilliseconds(20));
        Waits.Until(() => { lock (results) { return results.Count == 1; } }, "one frame was captured");
        Waits.Until(() => time.ActiveTimerCount == 1, "the capture thread waits again");
        source.Dispose();
        Waits.Join(thread);
        Assert.Equal(new[] { true, false }, results);
    }
}
