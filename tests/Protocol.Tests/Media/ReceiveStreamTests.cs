using PicoTalk.TestSupport;
using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

public sealed class ReceiveStreamTests
{
    private const int Frame = MediaConstants.SamplesPer20Ms;

    private static List<byte[]> Packets(int frames, int frameMs = 20)
    {
        using var encoder = new OpusEncoder(new OpusEncoderSettings { FrameMilliseconds = frameMs });
        return OpusCodecTests.EncodeAll(encoder, Signals.SpeechLike(frames * encoder.FrameSamples, seed: 21));
    }

    /// <summary>No time-scale modification: these tests compare exact frames.</summary>
    private static ReceiveStream Plain(int frameMs = 20) =>
        new(frameMs, new FakeTimeProvider(), new PlayoutSettings { MinimumDelayMilliseconds = 0, Adaptive = false });

    [Fact]
    public void Outputs_silence_before_the_first_packet_then_decodes_on_arrival()
    {
        List<byte[]> packets = Packets(10);
        using var stream = Plain();
        var pcm = new short[Frame];
        pcm.AsSpan().Fill(1234);

        Assert.Equal(FrameKind.Silence, stream.ReadFrame(pcm));
        Assert.All(pcm, s => Assert.Equal(0, s));

        stream.Push(0, packets[0]);
        stream.Push(1, packets[1]);
        // Both decoded already: nothing waits for the speaker's tick to be decoded.
        Assert.Equal(2, stream.Stats.FramesDecoded);
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));
        Assert.NotEqual(0, Signals.PeakAbs(pcm));
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));

        MediaStats stats = stream.Stats;
        Assert.Equal((2L, 2L, 1u, 2L, 0L), (stats.PacketsReceived, stats.FramesDecoded, stats.HighestSequence, stats.ExpectedPackets, stats.CumulativeLost));
    }

    [Fact]
    public void Late_duplicate_and_oversized_packets_are_counted_never_thrown()
    {
        List<byte[]> packets = Packets(10);
        using var stream = Plain();
        var pcm = new short[Frame];
        stream.Push(0, packets[0]);
        stream.Push(2, packets[2]);
        stream.Push(2, packets[2]);  // queued twice: a duplicate
        stream.Push(0, packets[0]);  // already decoded: a duplicate too
        stream.ReadFrame(pcm);
        stream.ReadFrame(pcm);       // frame 1 is due and missing: rebuilt from 2's FEC
        stream.Push(1, packets[1]);  // late
        stream.Push(3, new byte[MediaConstants.MaxPacketBytes + 1]);

        MediaStats stats = stream.Stats;
        Assert.Equal((2L, 1L, 1L), (stats.Duplicates, stats.Late, stats.Malformed));
        Assert.Equal(3, stats.PacketsReceived);
    }

    [Fact]
    public void An_undecodable_packet_is_concealed_and_counted()
    {
        List<byte[]> packets = Packets(4);
        using var stream = Plain();
        var pcm = new short[Frame];
        stream.Push(0, packets[0]);
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));

        stream.Push(1, [0x03, 0x00]);      // invalid code 3 packet (RFC 6716 §3.2.5)
        Assert.Equal(FrameKind.Concealed, stream.ReadFrame(pcm));
        stream.Push(2, []);                // empty
        Assert.Equal(FrameKind.Concealed, stream.ReadFrame(pcm));
        Assert.Equal(2, stream.Stats.Malformed);

        stream.Push(3, packets[3]);
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));
    }

    [Fact]
    public void A_packet_of_another_frame_size_is_not_played_as_a_partial_frame()
    {
        List<byte[]> tenMs = Packets(2, frameMs: 10);
        using var stream = Plain();
        var pcm = new short[Frame];
        stream.Push(0, tenMs[0]);
        Assert.Equal(FrameKind.Concealed, stream.ReadFrame(pcm));
        Assert.Equal(1, stream.Stats.Malformed);
    }

    [Fact]
    public void Ten_millisecond_frames_work_end_to_end()
    {
        List<byte[]> packets = Packets(6, frameMs: 10);
        using var stream = Plain(10);
        Assert.Equal(480, stream.FrameSamples);
        var pcm = new short[480];
        stream.Push(0, packets[0]);
        stream.Push(1, packets[1]);
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));
        Assert.Equal(FrameKind.Concealed, stream.ReadFrame(pcm));
        Assert.Throws<ArgumentException>(() => stream.ReadFrame(new short[Frame]));
    }

    [Fact]
    public void A_resync_keeps_the_decoder_and_plays_on()
    {
        List<byte[]> packets = Packets(6);
        using var stream = Plain();
        var pcm = new short[Frame];
        stream.Push(0, packets[0]);
        stream.ReadFrame(pcm);
        stream.Push(5_000, packets[1]);
        Assert.Equal(FrameKind.Decoded, stream.ReadFrame(pcm));
        Assert.Equal(1, stream.Stats.Resyncs);
    }

    [Fact]
    public void Push_and_read_on_two_threads_account_for_every_packet_and_frame()
    {
        List<byte[]> packets = Packets(50);
        using var stream = new ReceiveStream(20, TimeProvider.System);
        const int Count = 5000;
        using var start = new Barrier(2);
        int silence = 0;

        // No pacing: the threads race, so the buffer sees every mix of early, late and resynced packets.
        var writer = new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < Count; i++)
            {
                stream.Push((uint)i, packets[i % packets.Count]);
            }
        });
        var reader = new Thread(() =>
        {
            var pcm = new short[Frame];
            start.SignalAndWait();
            for (int i = 0; i < Count; i++)
            {
                if (stream.ReadFrame(pcm) == FrameKind.Silence)
                {
                    silence++;
                }
            }
        });
        writer.Start();
        reader.Start();
        writer.Join();
        reader.Join();

        MediaStats stats = stream.Stats;
        // Every packet was received once (decoded, or late after its frame was rebuilt), a duplicate
        // of one played before a resync, or is still queued.
        Assert.Equal(Count, stats.PacketsReceived + stats.Duplicates);
        Assert.True(stats.FramesDecoded + stats.Late <= stats.PacketsReceived);
        Assert.True(stats.FramesDecoded > 0);
        Assert.Equal(0, stats.Malformed);
    }
}
