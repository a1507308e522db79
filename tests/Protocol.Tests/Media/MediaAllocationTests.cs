using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

/// <summary>The per-frame paths allocate no managed memory (checked after warm-up, over 1000 calls).</summary>
public sealed class MediaAllocationTests
{
    private const int Frame = MediaConstants.SamplesPer20Ms;
    private const int Iterations = 1000;

    private static long AllocatedBy(Action<int> body)
    {
        for (int i = 0; i < 200; i++)
        {
            body(i); // warm-up: JIT, tiering, lazy statics
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            body(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Encode_decode_conceal_and_decode_fec_do_not_allocate()
    {
        short[] input = Signals.SpeechLike(Frame, seed: 1);
        var packet = new byte[MediaConstants.MaxPacketBytes];
        var pcm = new short[Frame];
        using var encoder = new OpusEncoder(new OpusEncoderSettings { InbandFec = true, ExpectedPacketLossPercent = 10 });
        using var decoder = new OpusDecoder();
        int length = encoder.Encode(input, packet);

        Assert.Equal(0, AllocatedBy(_ => encoder.Encode(input, packet)));
        Assert.Equal(0, AllocatedBy(_ => decoder.Decode(packet.AsSpan(0, length), pcm)));
        Assert.Equal(0, AllocatedBy(_ => decoder.Conceal(pcm)));
        Assert.Equal(0, AllocatedBy(_ => decoder.DecodeFec(packet.AsSpan(0, length), pcm)));
    }

    [Fact]
    public void Jitter_buffer_insert_and_next_do_not_allocate()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 2);
        var payload = new byte[80];
        var output = new byte[MediaConstants.MaxPacketBytes];
        uint sequence = 0;

        long allocated = AllocatedBy(i =>
        {
            buffer.Insert(sequence, payload);
            if (i % 7 != 3)
            {
                buffer.Insert(sequence + 1, payload); // mostly one ahead, sometimes a hole: Play, Fec and Conceal all run
            }

            sequence += 2;
            buffer.Next(output, out _, out _);
            buffer.Next(output, out _, out _);
            _ = buffer.Stats;
        });

        Assert.Equal(0, allocated);
        Assert.True(buffer.Stats.Played > 0 && buffer.Stats.Fec > 0);
    }

    [Fact]
    public void Receive_stream_push_and_read_frame_do_not_allocate()
    {
        using var encoder = new OpusEncoder(new OpusEncoderSettings());
        var packet = new byte[MediaConstants.MaxPacketBytes];
        int length = encoder.Encode(Signals.SpeechLike(Frame, seed: 2), packet);
        var time = new PicoTalk.TestSupport.FakeTimeProvider();
        using var stream = new ReceiveStream(20, time);
        var pcm = new short[Frame];

        long allocated = AllocatedBy(i =>
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            if (i % 10 != 5)
            {
                stream.Push((uint)i, packet.AsSpan(0, length)); // every tenth packet lost
            }

            if (i % 10 != 4)
            {
                stream.ReadFrame(pcm); // the speaker runs one period behind, so a loss meets its successor
            }
            _ = stream.Stats;
        });

        Assert.Equal(0, allocated);
        Assert.True(stream.Stats.FramesDecoded > 0 && stream.Stats.FecRecovered > 0);
    }
}
