using System.Buffers.Binary;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>The additive audio key stream and the AudioFrame payload (PICOTALK.md "Audio").</summary>
public sealed class AudioKeystreamTests
{
    private static readonly byte[] Key = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();

    internal sealed class KeyRing : IAudioKeyRing
    {
        private readonly Dictionary<ushort, byte[]> keys = [];

        public void Add(ushort peerId, byte[] key) => keys[peerId] = key;

        public ReadOnlySpan<byte> KeyOf(ushort peerId) => keys.TryGetValue(peerId, out var key) ? key : default;
    }

    internal static short[] Tone(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 512).Select(_ => (short)random.Next(short.MinValue, short.MaxValue + 1)).ToArray();
    }

    [Fact]
    public void Nonce_is_peer_id_frame_nonce_and_18_zeros()
    {
        var nonce = new byte[24];
        Array.Fill(nonce, (byte)0x55);
        AudioKeystream.WriteNonce(0x0203, 0x04050607, nonce);
        Assert.Equal(Hex("0203 04050607 000000000000000000000000000000000000"), nonce);
    }

    [Fact]
    public void Key_stream_is_the_secretbox_of_zeros_without_its_tag()
    {
        byte[] nonce = Hex("0203 04050607 000000000000000000000000000000000000");
        var keystream = new byte[1024];
        AudioKeystream.Generate(Key, 0x0203, 0x04050607, keystream);
        Assert.Equal(XSalsa20Stream(Key, nonce, 1056)[32..], keystream);
        Assert.Equal(SecretBox(Key, nonce, new byte[1024])[16..], keystream);
    }

    [Fact]
    public void Client_frame_is_samples_plus_key_stream_then_the_tag()
    {
        short[] samples = Tone(1);
        samples[0] = short.MaxValue; // wraps
        samples[1] = -1;
        byte[] keystream = XSalsa20Stream(Key, Hex("0002 00000001 000000000000000000000000000000000000"), 1056)[32..];
        var expected = new byte[1030];
        for (int i = 0; i < 512; i++)
        {
            int sum = (ushort)samples[i] + BinaryPrimitives.ReadUInt16LittleEndian(keystream.AsSpan(2 * i));
            BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(2 * i), (ushort)(sum & 0xffff));
        }

        Hex("0002 00000001").CopyTo(expected, 1024);

        var frame = new byte[1030];
        Assert.Equal(1030, AudioFrame.WriteClientFrame(samples, Key, 2, 1, frame));
        Assert.Equal(expected, frame);
        Assert.True(AudioFrame.TryRead(frame, out int tags));
        Assert.Equal(1, tags);
        Assert.Equal(new AudioTag(2, 1), AudioFrame.TagAt(frame, 0));
    }

    [Fact]
    public void A_sum_of_frames_decrypts_to_the_sum_of_samples()
    {
        var ring = new KeyRing();
        var sum = new ushort[512];
        var mixed = new byte[1024 + (3 * 6)];
        for (ushort peer = 2; peer <= 4; peer++)
        {
            var key = new byte[32];
            new Random(peer).NextBytes(key);
            ring.Add(peer, key);
            short[] samples = Tone(peer);
            var frame = new byte[1030];
            AudioFrame.WriteClientFrame(samples, key, peer, 100u + peer, frame);
            for (int i = 0; i < 512; i++)
            {
                sum[i] += (ushort)samples[i];
                ushort m = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(mixed.AsSpan(2 * i)) + BinaryPrimitives.ReadUInt16LittleEndian(frame.AsSpan(2 * i)));
                BinaryPrimitives.WriteUInt16LittleEndian(mixed.AsSpan(2 * i), m);
            }

            frame.AsSpan(1024, 6).CopyTo(mixed.AsSpan(1024 + ((peer - 2) * 6)));
        }

        var decrypted = new short[512];
        Assert.True(AudioFrame.TryDecrypt(mixed, ring, decrypted));
        Assert.Equal(sum.Select(s => (short)s).ToArray(), decrypted);
    }

    [Fact]
    public void A_frame_with_an_unknown_sender_is_lost_not_played()
    {
        var ring = new KeyRing();
        ring.Add(2, Key);
        var frame = new byte[1030];
        AudioFrame.WriteClientFrame(Tone(3), Key, 3, 1, frame);
        var samples = new short[512];
        Array.Fill(samples, (short)7);
        Assert.False(AudioFrame.TryDecrypt(frame, ring, samples));
        Assert.All(samples, s => Assert.Equal(0, s));
    }

    [Fact]
    public void A_lone_peer_receives_1024_bytes_without_tags()
    {
        var silence = new byte[1024];
        Assert.True(AudioFrame.TryRead(silence, out int tags));
        Assert.Equal(0, tags);
        var samples = new short[512];
        Assert.True(AudioFrame.TryDecrypt(silence, new KeyRing(), samples));
        Assert.All(samples, s => Assert.Equal(0, s));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1023)]
    [InlineData(1025)]
    [InlineData(1029)]
    [InlineData(1031)]
    public void Payloads_that_are_not_1024_bytes_plus_whole_tags_are_refused(int length)
    {
        Assert.False(AudioFrame.TryRead(new byte[length], out _));
        Assert.False(AudioFrame.TryDecrypt(new byte[length], new KeyRing(), new short[512]));
    }

    [Fact]
    public void Encrypting_and_decrypting_1000_frames_allocates_nothing()
    {
        var ring = new KeyRing();
        ring.Add(2, Key);
        short[] samples = Tone(9);
        var frame = new byte[1030];
        var decrypted = new short[512];
        AudioFrame.WriteClientFrame(samples, Key, 2, 1, frame);
        Assert.True(AudioFrame.TryDecrypt(frame, ring, decrypted)); // warm up (JIT, sodium_init)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (uint nonce = 1; nonce <= 1000; nonce++)
        {
            AudioFrame.WriteClientFrame(samples, Key, 2, nonce, frame);
            AudioFrame.TryDecrypt(frame, ring, decrypted);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(samples, decrypted);
    }
}
