using System.Buffers.Binary;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.AudioKeystreamTests;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>The 32 ms mixer (PICOTALK.md "Audio"): sums of the others, their tags, the 5-frame queues.</summary>
public sealed class AudioMixerTests
{
    private static byte[] KeyOf(ushort peer)
    {
        var key = new byte[32];
        new Random(1000 + peer).NextBytes(key);
        return key;
    }

    private static byte[] Frame(ushort peer, uint nonce, short[] samples)
    {
        var frame = new byte[AudioFrame.ClientFrameSize];
        AudioFrame.WriteClientFrame(samples, KeyOf(peer), peer, nonce, frame);
        return frame;
    }

    [Fact]
    public void Each_peer_hears_the_sum_of_the_others_and_their_tags()
    {
        var mixer = new AudioMixer(8);
        var ring = new KeyRing();
        var tones = new Dictionary<ushort, short[]>();
        for (ushort peer = 2; peer <= 4; peer++)
        {
            Assert.True(mixer.AddPeer(peer));
            ring.Add(peer, KeyOf(peer));
            tones[peer] = Tone(peer);
            Assert.Equal(AudioEnqueueResult.Queued, mixer.Enqueue(peer, Frame(peer, 10u * peer, tones[peer])));
        }

        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        var heard = new short[512];
        for (ushort listener = 2; listener <= 4; listener++)
        {
            int n = mixer.WriteMix(listener, mix);
            Assert.Equal(1024 + (2 * 6), n);
            var others = tones.Keys.Where(p => p != listener).ToArray();
            Assert.True(AudioFrame.TryRead(mix.AsSpan(0, n), out int tags));
            Assert.Equal(others.Select(p => new AudioTag(p, 10u * p)), Enumerable.Range(0, tags).Select(i => AudioFrame.TagAt(mix.AsSpan(0, n), i)));

            Assert.True(AudioFrame.TryDecrypt(mix.AsSpan(0, n), ring, heard));
            for (int i = 0; i < 512; i++)
            {
                Assert.Equal((short)(tones[others[0]][i] + tones[others[1]][i]), heard[i]);
            }
        }
    }

    [Fact]
    public void A_peer_alone_gets_1024_zero_bytes_without_tags()
    {
        var mixer = new AudioMixer(4);
        mixer.AddPeer(2);
        mixer.Enqueue(2, Frame(2, 1, Tone(1)));
        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        Array.Fill(mix, (byte)0xaa);
        Assert.Equal(1024, mixer.WriteMix(2, mix));
        Assert.All(mix[..1024], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_silent_peer_adds_no_tag_and_still_hears_the_others()
    {
        var mixer = new AudioMixer(4);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        byte[] frame = Frame(3, 5, Tone(5));
        mixer.Enqueue(3, frame);
        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        Assert.Equal(1030, mixer.WriteMix(2, mix));
        Assert.Equal(frame, mix[..1030]);
        Assert.Equal(1024, mixer.WriteMix(3, mix));
        Assert.Equal(0, mixer.WriteMix(9, mix));
    }

    [Fact]
    public void Queues_hold_five_frames_drop_the_oldest_and_give_one_per_tick()
    {
        var mixer = new AudioMixer(2);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        for (uint nonce = 1; nonce <= 7; nonce++)
        {
            var expected = nonce <= 5 ? AudioEnqueueResult.Queued : AudioEnqueueResult.QueuedDroppedOldest;
            Assert.Equal(expected, mixer.Enqueue(2, Frame(2, nonce, Tone((int)nonce))));
        }

        Assert.Equal(2, mixer.DroppedFrames);
        var mix = new byte[mixer.MaxMixSize];
        for (uint nonce = 3; nonce <= 7; nonce++)
        {
            mixer.Tick();
            Assert.Equal(1030, mixer.WriteMix(3, mix));
            Assert.Equal(new AudioTag(2, nonce), AudioFrame.TagAt(mix, 0));
        }

        mixer.Tick();
        Assert.Equal(1024, mixer.WriteMix(3, mix));
    }

    [Fact]
    public void Frames_that_are_malformed_foreign_or_from_strangers_are_refused()
    {
        var mixer = new AudioMixer(2);
        mixer.AddPeer(2);
        Assert.Equal(AudioEnqueueResult.UnknownPeer, mixer.Enqueue(3, Frame(3, 1, Tone(1))));
        Assert.Equal(AudioEnqueueResult.ForeignTag, mixer.Enqueue(2, Frame(3, 1, Tone(1))));
        Assert.Equal(AudioEnqueueResult.Malformed, mixer.Enqueue(2, new byte[1024]));
        Assert.Equal(AudioEnqueueResult.Malformed, mixer.Enqueue(2, new byte[1036]));
        Assert.True(mixer.AddPeer(3));
        Assert.False(mixer.AddPeer(3));
        Assert.False(mixer.AddPeer(4)); // full
    }

    [Fact]
    public void A_peer_removed_after_the_tick_leaves_the_mix_and_its_slot_is_reused()
    {
        var mixer = new AudioMixer(3);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        mixer.AddPeer(4);
        byte[] frame2 = Frame(2, 1, Tone(2));
        mixer.Enqueue(2, frame2);
        mixer.Enqueue(3, Frame(3, 1, Tone(3)));
        mixer.Tick();
        Assert.True(mixer.RemovePeer(3));
        Assert.True(mixer.AddPeer(5));
        var mix = new byte[mixer.MaxMixSize];
        Assert.Equal(1030, mixer.WriteMix(4, mix));
        Assert.Equal(frame2, mix[..1030]);
        Assert.Equal(1030, mixer.WriteMix(5, mix));
        Assert.Equal(1024, mixer.WriteMix(2, mix));
        Assert.All(mix[..1024], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Sums_wrap_mod_2_16()
    {
        var mixer = new AudioMixer(3);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        mixer.AddPeer(4);
        var a = new byte[1030];
        var b = new byte[1030];
        BinaryPrimitives.WriteUInt16LittleEndian(a, 0xfff0);
        BinaryPrimitives.WriteUInt16LittleEndian(b, 0x0020);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(1024), 2);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(1024), 3);
        mixer.Enqueue(2, a);
        mixer.Enqueue(3, b);
        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        mixer.WriteMix(4, mix);
        Assert.Equal(0x0010, BinaryPrimitives.ReadUInt16LittleEndian(mix));
    }

    [Fact]
    public void A_thousand_ticks_of_four_peers_allocate_nothing()
    {
        var mixer = new AudioMixer(4);
        var frames = new byte[4][];
        for (ushort peer = 2; peer <= 5; peer++)
        {
            mixer.AddPeer(peer);
            frames[peer - 2] = Frame(peer, 1, Tone(peer));
        }

        var mix = new byte[mixer.MaxMixSize];
        void Round()
        {
            for (ushort peer = 2; peer <= 5; peer++)
            {
                mixer.Enqueue(peer, frames[peer - 2]);
            }

            mixer.Tick();
            for (ushort peer = 2; peer <= 5; peer++)
            {
                mixer.WriteMix(peer, mix);
            }
        }

        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
