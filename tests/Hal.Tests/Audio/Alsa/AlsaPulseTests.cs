using System.Diagnostics;
using PicoTalk.Hal.Audio.Alsa;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;
using Xunit.Abstractions;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>
/// Behaviour that needs a device with a clock of its own: a PulseAudio null sink through the ALSA
/// pulse plugin. These tests wait in real time on purpose: the card's clock pacing the audio
/// threads, and an underrun from a writer that is late, are the properties under test.
/// </summary>
[Collection(AlsaCollection.Name)]
public sealed class AlsaPulseTests(AlsaTestConfig config, ITestOutputHelper output)
{
    [PulseAudioFact]
    public void Playback_is_paced_by_the_device_clock()
    {
        _ = config.PulseServer;
        using var sink = new AlsaSink(AlsaTestConfig.Pulse, 20);
        var frame = WavTestFiles.Tone(440, 4000, sink.FrameSamples);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++)
        {
            Assert.True(sink.Write(frame));
        }

        // 50 periods of 20 ms is 1 s of sound; the first few fill the buffer without waiting.
        // (Underruns are not asserted: a null sink just resumed by another test may render a burst;
        // the underrun test covers them.)
        output.WriteLine($"50 periods written in {clock.Elapsed.TotalSeconds:F3} s; buffer {sink.Pcm.BufferFrames} frames, period {sink.Pcm.DevicePeriodFrames}; underruns {sink.Underruns}");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 3.0);
    }

    [PulseAudioFact]
    public void Capture_is_paced_by_the_device_clock()
    {
        _ = config.PulseServer;
        using var source = new AlsaSource(AlsaTestConfig.PulseMonitor, 20);
        var frame = new short[source.FrameSamples];
        Assert.True(source.Read(frame)); // the stream is running from here

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++)
        {
            Assert.True(source.Read(frame));
        }

        output.WriteLine($"50 periods read in {clock.Elapsed.TotalSeconds:F3} s");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 3.0);
    }

    [PulseAudioFact]
    public void A_writer_that_stalls_causes_an_underrun_which_is_counted_and_playback_goes_on()
    {
        _ = config.PulseServer;
        using var sink = new AlsaSink(AlsaTestConfig.Pulse, 20);
        var frame = WavTestFiles.Tone(440, 4000, sink.FrameSamples);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(sink.Write(frame));
        }

        Assert.Equal(0, sink.Underruns);
        // The writer stalls for 10 periods, far longer than the 3 periods buffered.
        Thread.Sleep(TimeSpan.FromMilliseconds(10 * 20));

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 25; i++)
        {
            Assert.True(sink.Write(frame));
        }

        output.WriteLine($"underruns {sink.Underruns}; 25 periods after the stall in {clock.Elapsed.TotalSeconds:F3} s");
        Assert.True(sink.Underruns >= 1, "the stall was not counted as an underrun");
        // Playing again, at the device's pace (25 periods of 20 ms = 0.5 s).
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.3, 2.0);
    }

    [PulseAudioFact]
    public void Dispose_from_another_thread_ends_a_blocked_read_with_false()
    {
        var server = config.PulseServer;
        var source = new AlsaSource(AlsaTestConfig.PulseMonitor, 20);
        source.Pcm.StallTimeout = TimeSpan.FromMinutes(1); // blocked for as long as the test needs
        var frame = new short[source.FrameSamples];
        long reads = 0;
        Exception? failure = null;
        var reader = new Thread(() =>
        {
            try
            {
                while (source.Read(frame))
                {
                    Interlocked.Increment(ref reads);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { Name = "alsa-reader" };
        reader.Start();
        Waits.Until(() => Interlocked.Read(ref reads) > 0, "the first period is read");

        server.Suspend(config.PulseSinkName); // nothing more arrives: once the buffered periods are read, Read blocks
        try
        {
            long seen;
            do
            {
                seen = Interlocked.Read(ref reads);
                Assert.False(reader.Join(10 * AlsaPcm.WaitSliceMilliseconds), $"Read failed or ended by itself: {failure?.Message}");
            }
            while (Interlocked.Read(ref reads) != seen);

            var clock = Stopwatch.StartNew();
            source.Dispose();
            Waits.Join(reader);
            output.WriteLine($"{seen} periods read; Dispose ended the blocked Read in {clock.Elapsed.TotalMilliseconds:F0} ms");
        }
        finally
        {
            server.Resume(config.PulseSinkName);
        }

        Assert.Null(failure); // the loop ended because Read returned false
        Assert.False(source.Read(frame));
    }

    [PulseAudioFact]
    public void A_device_that_moves_nothing_fails_after_the_stall_timeout_naming_the_device()
    {
        var server = config.PulseServer;
        using var source = new AlsaSource(AlsaTestConfig.PulseMonitor, 20);
        source.Pcm.StallTimeout = TimeSpan.FromMilliseconds(300);
        var frame = new short[source.FrameSamples];
        Assert.True(source.Read(frame));

        server.Suspend(config.PulseSinkName);
        AlsaException e;
        try
        {
            e = Assert.Throws<AlsaException>(() =>
            {
                for (int i = 0; i < 100; i++)
                {
                    source.Read(frame);
                }
            });
        }
        finally
        {
            server.Resume(config.PulseSinkName);
        }

        Assert.Contains($"'{AlsaTestConfig.PulseMonitor}' moved no audio for 0.3 s (capture stalled", e.Message);
    }
}
