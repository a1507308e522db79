using PicoTalk.Protocol.Media;

namespace PicoTalk.Protocol.Tests.Media;

public sealed class JitterBufferTests
{
    private readonly byte[] _out = new byte[MediaConstants.MaxPacketBytes];

    /// <summary>A payload that names its sequence number, so tests can see which packet came out.</summary>
    private static byte[] Payload(uint sequence) => BitConverter.GetBytes(sequence);

    private (PlayoutAction Action, uint Sequence, uint? PayloadOf) Next(JitterBuffer buffer)
    {
        PlayoutAction action = buffer.Next(_out, out int length, out uint sequence);
        uint? payloadOf = length == 4 ? BitConverter.ToUInt32(_out, 0) : null;
        return (action, sequence, payloadOf);
    }

    [Fact]
    public void Buffers_until_the_target_is_queued_beyond_the_first_then_plays_in_order()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 2);
        Assert.Equal(PlayoutAction.Buffering, Next(buffer).Action); // nothing yet

        Assert.Equal(InsertResult.Accepted, buffer.Insert(100, Payload(100)));
        Assert.Equal(PlayoutAction.Buffering, Next(buffer).Action);
        Assert.Equal(InsertResult.Accepted, buffer.Insert(101, Payload(101)));
        Assert.Equal(PlayoutAction.Buffering, Next(buffer).Action);
        Assert.True(buffer.IsBuffering);
        Assert.Equal(InsertResult.Accepted, buffer.Insert(102, Payload(102)));

        Assert.Equal((PlayoutAction.Play, 100u, (uint?)100), Next(buffer));
        Assert.False(buffer.IsBuffering);
        Assert.Equal((PlayoutAction.Play, 101u, (uint?)101), Next(buffer));
        Assert.Equal(1, buffer.DepthFrames);
        Assert.Equal((PlayoutAction.Play, 102u, (uint?)102), Next(buffer));
        Assert.Equal(0, buffer.DepthFrames);
    }

    [Fact]
    public void Reordered_packets_that_arrive_in_time_play_in_order()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 2);
        foreach (uint s in new uint[] { 1, 0, 2 })
        {
            Assert.Equal(InsertResult.Accepted, buffer.Insert(s, Payload(s))); // 0 overtaken by 1 while buffering
        }

        Assert.Equal(InsertResult.Accepted, buffer.Insert(5, Payload(5)));
        Assert.Equal(InsertResult.Accepted, buffer.Insert(4, Payload(4)));
        Assert.Equal(InsertResult.Accepted, buffer.Insert(3, Payload(3)));

        for (uint s = 0; s <= 5; s++)
        {
            Assert.Equal((PlayoutAction.Play, s, (uint?)s), Next(buffer));
        }

        Assert.Equal(6, buffer.Stats.Played);
    }

    [Fact]
    public void Duplicates_and_late_packets_are_dropped_and_counted()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 1);
        buffer.Insert(10, Payload(10));
        buffer.Insert(11, Payload(11));
        Assert.Equal(InsertResult.Duplicate, buffer.Insert(11, Payload(11)));
        Assert.Equal((PlayoutAction.Play, 10u, (uint?)10), Next(buffer));

        Assert.Equal(InsertResult.Late, buffer.Insert(10, Payload(10))); // already played
        Assert.Equal(InsertResult.Late, buffer.Insert(3, Payload(3)));   // long behind the playout point

        JitterBufferStats stats = buffer.Stats;
        Assert.Equal(1, stats.Duplicates);
        Assert.Equal(2, stats.Late);
        Assert.Equal(2, stats.Received);
    }

    [Fact]
    public void A_missing_frame_is_fec_when_the_next_is_queued_and_conceal_when_not()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 1);
        buffer.Insert(0, Payload(0));
        buffer.Insert(2, Payload(2)); // 1 lost
        Assert.Equal((PlayoutAction.Play, 0u, (uint?)0), Next(buffer));
        Assert.Equal((PlayoutAction.Fec, 1u, (uint?)2), Next(buffer)); // payload is the NEXT packet
        Assert.Equal((PlayoutAction.Play, 2u, (uint?)2), Next(buffer)); // and it still plays normally
        Assert.Equal((PlayoutAction.Conceal, 3u, (uint?)null), Next(buffer)); // 3 and 4 missing
        Assert.Equal(InsertResult.Late, buffer.Insert(3, Payload(3)));    // arrives after its time

        JitterBufferStats stats = buffer.Stats;
        Assert.Equal((2L, 1L, 1L, 1L), (stats.Played, stats.Fec, stats.Concealed, stats.Late));
    }

    [Fact]
    public void Sequence_numbers_wrap_from_0xFFFFFFFF_to_0()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 2);
        uint[] order = [0xFFFFFFFE, 0x00000000, 0xFFFFFFFF, 0x00000001];
        foreach (uint s in order)
        {
            Assert.Equal(InsertResult.Accepted, buffer.Insert(s, Payload(s)));
        }

        Assert.Equal((PlayoutAction.Play, 0xFFFFFFFEu, (uint?)0xFFFFFFFE), Next(buffer));
        Assert.Equal((PlayoutAction.Play, 0xFFFFFFFFu, (uint?)0xFFFFFFFF), Next(buffer));
        Assert.Equal((PlayoutAction.Play, 0u, (uint?)0), Next(buffer));
        Assert.Equal(InsertResult.Late, buffer.Insert(0xFFFFFFFF, Payload(0xFFFFFFFF))); // behind, across the wrap
        Assert.Equal((PlayoutAction.Play, 1u, (uint?)1), Next(buffer));
        Assert.Equal(0, buffer.Stats.Resyncs);
    }

    [Fact]
    public void A_huge_jump_resyncs_there_and_buffers_again()
    {
        var buffer = new JitterBuffer(capacityFrames: 64, targetDelayFrames: 1);
        buffer.Insert(0, Payload(0));
        buffer.Insert(1, Payload(1));
        Assert.Equal(PlayoutAction.Play, Next(buffer).Action);

        Assert.Equal(InsertResult.Resynced, buffer.Insert(1_000_000, Payload(1_000_000)));
        Assert.Equal(PlayoutAction.Buffering, Next(buffer).Action);
        Assert.Equal(InsertResult.Late, buffer.Insert(1, Payload(1))); // the old stream is behind now
        buffer.Insert(1_000_001, Payload(1_000_001));
        Assert.Equal((PlayoutAction.Play, 1_000_000u, (uint?)1_000_000), Next(buffer));
        Assert.Equal(1, buffer.Stats.Resyncs);
    }

    [Fact]
    public void The_window_edge_is_accepted_and_one_past_it_resyncs()
    {
        var buffer = new JitterBuffer(capacityFrames: 8, targetDelayFrames: 0);
        buffer.Insert(0, Payload(0));
        Assert.Equal(PlayoutAction.Play, Next(buffer).Action); // now 1 is due
        Assert.Equal(InsertResult.Accepted, buffer.Insert(8, Payload(8)));   // 1 + 7: the last slot
        Assert.Equal(InsertResult.Resynced, buffer.Insert(9, Payload(9)));   // 1 + 8: outside
    }

    [Fact]
    public void A_stream_that_stops_goes_back_to_buffering()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 0, stopAfterMissingFrames: 250);
        buffer.Insert(0, Payload(0));
        Assert.Equal(PlayoutAction.Play, Next(buffer).Action);
        for (int i = 0; i < 250; i++)
        {
            Assert.Equal(PlayoutAction.Conceal, Next(buffer).Action);
        }

        Assert.Equal(PlayoutAction.Buffering, Next(buffer).Action);
        Assert.True(buffer.IsBuffering);
        Assert.Equal(1, buffer.Stats.Stops);

        // Whatever arrives next starts a new run, even "behind" the old playout point.
        Assert.Equal(InsertResult.Accepted, buffer.Insert(5, Payload(5)));
        Assert.Equal((PlayoutAction.Play, 5u, (uint?)5), Next(buffer));
    }

    [Fact]
    public void A_short_gap_does_not_stop_the_stream()
    {
        var buffer = new JitterBuffer(targetDelayFrames: 0, stopAfterMissingFrames: 250);
        buffer.Insert(0, Payload(0));
        Next(buffer);
        for (int i = 0; i < 249; i++)
        {
            Assert.Equal(PlayoutAction.Conceal, Next(buffer).Action);
        }

        buffer.Insert(250, Payload(250));
        Assert.Equal((PlayoutAction.Play, 250u, (uint?)250), Next(buffer));
        Assert.Equal(0, buffer.Stats.Stops);
    }

    [Fact]
    public void A_queue_beyond_the_policy_maximum_is_cut_to_bound_latency()
    {
        var buffer = new JitterBuffer(capacityFrames: 64, maxPayload: 16, new FixedPlayoutPolicy(2, 4), stopAfterMissingFrames: 250);
        var output = new byte[16];
        for (uint s = 0; s < 10; s++)
        {
            buffer.Insert(s, Payload(s)); // a burst: 10 frames at once
        }

        Assert.Equal(PlayoutAction.Play, buffer.Next(output, out _, out uint first));
        Assert.Equal(5u, first); // 0..4 dropped: 5 is played with 4 more queued behind it
        Assert.Equal(5, buffer.Stats.Dropped);
        Assert.Equal(4, buffer.DepthFrames);
    }

    [Fact]
    public void Oversized_payloads_are_refused()
    {
        var buffer = new JitterBuffer(capacityFrames: 4, maxPayload: 8, targetDelayFrames: 1);
        Assert.Equal(InsertResult.TooLarge, buffer.Insert(0, new byte[9]));
        Assert.Equal(InsertResult.Accepted, buffer.Insert(0, new byte[8]));
        Assert.Equal(1, buffer.Stats.TooLarge);
    }

    [Fact]
    public void Bad_construction_and_a_short_output_buffer_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new JitterBuffer(capacityFrames: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JitterBuffer(capacityFrames: 8, targetDelayFrames: 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JitterBuffer(targetDelayFrames: -1));
        var buffer = new JitterBuffer();
        Assert.Throws<ArgumentException>(() => buffer.Next(new byte[10], out _, out _));
    }

    [Fact]
    public void A_policy_sees_every_insert_and_playout()
    {
        var policy = new RecordingPolicy();
        var buffer = new JitterBuffer(16, 16, policy, 250);
        buffer.Insert(0, Payload(0));
        buffer.Insert(0, Payload(0));
        buffer.Next(new byte[16], out _, out _);
        Assert.Equal([InsertResult.Accepted, InsertResult.Duplicate], policy.Inserts);
        Assert.Equal([PlayoutAction.Play], policy.Actions);
    }

    private sealed class RecordingPolicy : IPlayoutPolicy
    {
        public List<InsertResult> Inserts { get; } = [];

        public List<PlayoutAction> Actions { get; } = [];

        public int TargetDelayFrames => 0;

        public int MaxDelayFrames => 8;

        public void OnInsert(InsertResult result, int depthFrames) => Inserts.Add(result);

        public void OnPlayout(PlayoutAction action, int depthFrames) => Actions.Add(action);
    }
}
