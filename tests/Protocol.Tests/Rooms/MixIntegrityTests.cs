using System.Buffers.Binary;
using System.Numerics;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// The mix integrity check over GF(2^61 − 1) and the wide mixer: honest sums verify and are exact
/// (no wrap), any added signal or changed tag fails, replays and unknown epochs are refused.
/// </summary>
public sealed class MixIntegrityTests
{
    private static readonly BigInteger P = (BigInteger.One << 61) - 1;
    private static readonly MixMac Mac = new(Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray());

    private static byte[] KeyOf(ushort peer, byte epoch = 0)
    {
        var key = new byte[32];
        new Random((1000 * epoch) + peer).NextBytes(key);
        return key;
    }

    /// <summary>A full-scale tone at DFT bin <paramref name="bin"/>: two or three of them overflow int16.</summary>
    private static short[] FullScale(int bin) =>
        Enumerable.Range(0, 512).Select(n => (short)Math.Round(32767 * Math.Sin(2 * Math.PI * bin * n / 512))).ToArray();

    private static byte[] Wide(ushort peer, uint nonce, short[] samples, byte epoch = 0)
    {
        var frame = new byte[WideAudioFrame.ClientFrameSize];
        WideAudioFrame.WriteClientFrame(samples, KeyOf(peer, epoch), epoch, peer, nonce, Mac, frame);
        return frame;
    }

    private static AudioKeyRing Ring(params ushort[] peers)
    {
        var ring = new AudioKeyRing();
        foreach (ushort peer in peers)
        {
            ring.Accept(peer, 0, 0, KeyOf(peer));
        }

        return ring;
    }

    /// <summary>Peers 2, 3, 4 send full-scale tones; returns peer 2's wide mix (3 and 4).</summary>
    private static byte[] MixForTwo(uint nonce = 1)
    {
        var mixer = new AudioMixer(4);
        for (ushort peer = 2; peer <= 4; peer++)
        {
            mixer.AddPeer(peer);
            Assert.Equal(AudioEnqueueResult.Queued, mixer.EnqueueWide(peer, Wide(peer, nonce, FullScale(peer * 5))));
        }

        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        int n = mixer.WriteMix(2, true, mix, out bool wide);
        Assert.True(wide);
        Assert.Equal(2056 + (2 * 7), n);
        return mix[..n];
    }

    [Fact]
    public void Field_arithmetic_edge_cases_match_big_integers()
    {
        Assert.Equal(0UL, Gf61.Reduce(Gf61.P));
        Assert.Equal(1UL, Gf61.Reduce(Gf61.P + 1));
        Assert.Equal((ulong)(ulong.MaxValue % P), Gf61.Reduce(ulong.MaxValue));
        Assert.Equal(Gf61.P - 1, Gf61.Sub(0, 1));
        Assert.Equal(0UL, Gf61.Add(Gf61.P - 1, 1));
        Assert.Equal(1UL, Gf61.Mul(Gf61.P - 1, Gf61.P - 1)); // (−1)² = 1
        Assert.Equal(Gf61.P - 1, Gf61.FromInt(-1));
        Assert.Equal((ulong)(P - 32768), Gf61.FromInt(short.MinValue));
        Assert.Equal(0UL, Gf61.FromInt(0));
        var random = new Random(61);
        for (int i = 0; i < 10_000; i++)
        {
            ulong a = (ulong)random.NextInt64(0, (long)Gf61.P);
            ulong b = i % 100 == 0 ? Gf61.P - 1 : (ulong)random.NextInt64(0, (long)Gf61.P);
            Assert.Equal((ulong)(a * (BigInteger)b % P), Gf61.Mul(a, b));
            Assert.Equal((ulong)((a + (BigInteger)b) % P), Gf61.Add(a, b));
            Assert.Equal((ulong)((((BigInteger)a - b) % P + P) % P), Gf61.Sub(a, b));
            long v = random.NextInt64(int.MinValue, int.MaxValue);
            Assert.Equal((ulong)(((v % P) + P) % P), Gf61.FromInt(v));
        }
    }

    [Fact]
    public void An_honest_wide_mix_verifies_and_holds_the_exact_sum_past_int16()
    {
        byte[] mix = MixForTwo();
        var sum = new int[512];
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(mix, Ring(3, 4), Mac, sum));
        short[] a = FullScale(15), b = FullScale(20);
        Assert.Equal(Enumerable.Range(0, 512).Select(i => a[i] + b[i]), sum);
        Assert.Contains(sum, s => s > short.MaxValue); // the sum a narrow room would wrap
    }

    [Fact]
    public void Any_added_signal_fails_even_one_sample_plus_one()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] mix = MixForTwo();
            int at = 4 * random.Next(512);
            uint delta = trial == 0 ? 1u : (uint)random.Next(1, int.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(mix.AsSpan(at), BinaryPrimitives.ReadUInt32LittleEndian(mix.AsSpan(at)) + delta);
            var sum = new int[512];
            Assert.Equal(WideMixResult.Altered, WideAudioFrame.TryOpen(mix, Ring(3, 4), Mac, sum));
            Assert.All(sum, s => Assert.Equal(0, s)); // nothing of it is handed on
        }
    }

    [Fact]
    public void An_added_tone_with_its_naive_tag_fixup_fails()
    {
        // A server that knows the plaintext it adds but not r: it cannot compute Σ r_i·δ_i, so
        // whatever it adds to the tag is a guess.
        byte[] mix = MixForTwo();
        short[] tone = FullScale(40);
        for (int i = 0; i < 512; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(mix.AsSpan(4 * i), BinaryPrimitives.ReadUInt32LittleEndian(mix.AsSpan(4 * i)) + (uint)(tone[i] / 4));
        }

        var guessing = new MixMac(new byte[32]); // a key of its own
        ulong tag = Gf61.Add(WideAudioFrame.MacOf(mix), guessing.Tag([.. tone.Select(s => (short)(s / 4))], 0));
        BinaryPrimitives.WriteUInt64BigEndian(mix.AsSpan(2048), tag);
        Assert.Equal(WideMixResult.Altered, WideAudioFrame.TryOpen(mix, Ring(3, 4), Mac, new int[512]));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(1UL << 60)]
    public void A_changed_tag_fails(ulong delta)
    {
        byte[] mix = MixForTwo();
        BinaryPrimitives.WriteUInt64BigEndian(mix.AsSpan(2048), Gf61.Add(WideAudioFrame.MacOf(mix), delta));
        Assert.Equal(WideMixResult.Altered, WideAudioFrame.TryOpen(mix, Ring(3, 4), Mac, new int[512]));
    }

    [Fact]
    public void A_replayed_mix_and_a_sender_twice_are_refused()
    {
        var ring = Ring(3, 4);
        var sum = new int[512];
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(MixForTwo(5), ring, Mac, sum));
        Assert.Equal(WideMixResult.Replayed, WideAudioFrame.TryOpen(MixForTwo(5), ring, Mac, sum));
        Assert.Equal(WideMixResult.Replayed, WideAudioFrame.TryOpen(MixForTwo(4), ring, Mac, sum));
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(MixForTwo(6), ring, Mac, sum));

        byte[] twice = [.. MixForTwo(9).AsSpan(0, 2063), .. MixForTwo(9).AsSpan(2056, 7)];
        Assert.Equal(WideMixResult.Replayed, WideAudioFrame.TryOpen(twice, Ring(3, 4), Mac, sum));
    }

    [Fact]
    public void An_epoch_we_do_not_hold_is_lost_not_an_alarm()
    {
        var ring = Ring(3, 4);
        byte[] mix = MixForTwo();
        mix[2056 + 6] = 1; // peer 3's frame claims key epoch 1
        Assert.Equal(WideMixResult.UnknownKey, WideAudioFrame.TryOpen(mix, ring, Mac, new int[512]));
        Assert.Equal(WideMixResult.UnknownKey, WideAudioFrame.TryOpen(MixForTwo(), Ring(3), Mac, new int[512]));
    }

    [Fact]
    public void A_member_alone_gets_a_verifiable_silent_wide_mix()
    {
        var mixer = new AudioMixer(2);
        mixer.AddPeer(2);
        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        int n = mixer.WriteMix(2, true, mix, out bool wide);
        Assert.True(wide);
        Assert.Equal(2056, n);
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(mix.AsSpan(0, n), new AudioKeyRing(), Mac, new int[512]));
        mix[100] = 1;
        Assert.Equal(WideMixResult.Altered, WideAudioFrame.TryOpen(mix.AsSpan(0, n), new AudioKeyRing(), Mac, new int[512]));
    }

    [Fact]
    public void A_narrow_frame_in_the_room_makes_everyones_mix_narrow_and_it_decrypts()
    {
        var mixer = new AudioMixer(4);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        mixer.AddPeer(4);
        short[] s2 = AudioKeystreamTests.Tone(2), s3 = AudioKeystreamTests.Tone(3), s4 = AudioKeystreamTests.Tone(4);
        mixer.EnqueueWide(2, Wide(2, 1, s2));
        mixer.EnqueueWide(3, Wide(3, 1, s3));
        var plain = new byte[AudioFrame.ClientFrameSize];
        AudioFrame.WriteClientFrame(s4, KeyOf(4), 4, 1, plain);
        Assert.Equal(AudioEnqueueResult.Queued, mixer.Enqueue(4, plain));
        mixer.Tick();
        var mix = new byte[mixer.MaxMixSize];
        var ring = new AudioKeystreamTests.KeyRing();
        ring.Add(2, KeyOf(2));
        ring.Add(3, KeyOf(3));
        ring.Add(4, KeyOf(4));
        var heard = new short[512];

        // Peer 4 (PicoTalk) hears 2 and 3 narrowed; peer 2 (ours) hears 3 and 4 narrow.
        int n = mixer.WriteMix(4, false, mix, out bool wide);
        Assert.False(wide);
        Assert.Equal(1024 + 12, n);
        Assert.True(AudioFrame.TryDecrypt(mix.AsSpan(0, n), ring, heard));
        Assert.Equal(Enumerable.Range(0, 512).Select(i => unchecked((short)(s2[i] + s3[i]))), heard);
        n = mixer.WriteMix(2, true, mix, out wide);
        Assert.False(wide);
        Assert.True(AudioFrame.TryDecrypt(mix.AsSpan(0, n), ring, heard));
        Assert.Equal(Enumerable.Range(0, 512).Select(i => unchecked((short)(s3[i] + s4[i]))), heard);

        // Peer 4's own narrow frame is not in its mix, so 2 and 3 ... but 2's mix is wide only
        // without 4: remove 4 and the next tick is wide for 2.
        mixer.RemovePeer(4);
        mixer.EnqueueWide(2, Wide(2, 2, s2));
        mixer.EnqueueWide(3, Wide(3, 2, s3));
        mixer.Tick();
        n = mixer.WriteMix(2, true, mix, out wide);
        Assert.True(wide);
        var sum = new int[512];
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(mix.AsSpan(0, n), Ring(3), Mac, sum));
        Assert.Equal(s3.Select(s => (int)s), sum);
    }

    [Fact]
    public void Removing_a_wide_peer_mid_tick_takes_its_lanes_and_tag_out()
    {
        var mixer = new AudioMixer(4);
        for (ushort peer = 2; peer <= 4; peer++)
        {
            mixer.AddPeer(peer);
            mixer.EnqueueWide(peer, Wide(peer, 1, FullScale(peer * 3)));
        }

        mixer.Tick();
        mixer.RemovePeer(4);
        var mix = new byte[mixer.MaxMixSize];
        int n = mixer.WriteMix(2, true, mix, out _);
        var sum = new int[512];
        Assert.Equal(WideMixResult.Verified, WideAudioFrame.TryOpen(mix.AsSpan(0, n), Ring(3), Mac, sum));
        Assert.Equal(FullScale(9).Select(s => (int)s), sum);
    }

    [Fact]
    public void Key_ring_picks_by_epoch_and_by_nonce_and_keeps_two()
    {
        var ring = new AudioKeyRing();
        ring.Accept(3, 0, 0, KeyOf(3, 0));
        ring.Accept(3, 1, 100, KeyOf(3, 1));
        Assert.Equal(KeyOf(3, 0), ring.KeyFor(new AudioTag(3, 99)).ToArray());
        Assert.Equal(KeyOf(3, 1), ring.KeyFor(new AudioTag(3, 100)).ToArray());
        Assert.Equal(KeyOf(3, 0), ring.KeyFor(3, 0).ToArray());
        Assert.Equal(KeyOf(3, 1), ring.KeyFor(3, 1).ToArray());
        ring.Accept(3, 2, 200, KeyOf(3, 2));
        Assert.True(ring.KeyFor(3, 0).IsEmpty); // bounded: current and previous
        Assert.True(ring.KeyFor(new AudioTag(3, 99)).IsEmpty);
        Assert.Equal(KeyOf(3, 1), ring.KeyFor(new AudioTag(3, 150)).ToArray());
        Assert.Equal(2, ring.Snapshot().Count);
        ring.Remove(3);
        Assert.True(ring.KeyOf(3).IsEmpty);
    }
}
