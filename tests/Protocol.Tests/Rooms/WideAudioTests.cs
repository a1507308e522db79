using System.Buffers.Binary;
using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>Wide lanes (WideAudio): the key stream extends PicoTalk's, the frame layout, narrowing for PicoTalk listeners.</summary>
public sealed class WideAudioTests
{
    private static readonly byte[] Key = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] MacSubkey = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Low_halves_of_the_wide_key_stream_are_PicoTalks_key_stream_high_halves_and_mask_follow()
    {
        var narrow = new byte[1024];
        AudioKeystream.Generate(Key, 0x0203, 0x04050607, narrow);
        var lanes = new uint[512];
        ulong mask = WideKeystream.Generate(Key, 0x0203, 0x04050607, lanes);

        // Computed independently: the XSalsa20 stream of the reference implementation.
        byte[] stream = XSalsa20Stream(Key, Hex("0203 04050607 000000000000000000000000000000000000"), 2088);
        for (int i = 0; i < 512; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadUInt16LittleEndian(narrow.AsSpan(2 * i)), (ushort)lanes[i]);
            Assert.Equal(BinaryPrimitives.ReadUInt16LittleEndian(stream.AsSpan(1056 + (2 * i))), (ushort)(lanes[i] >> 16));
        }

        Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan(2080)) % Gf61.P, mask);
    }

    [Fact]
    public void Client_frame_is_lanes_then_the_mac_then_peer_nonce_and_epoch()
    {
        short[] samples = AudioKeystreamTests.Tone(5);
        samples[0] = short.MinValue;
        samples[1] = -1;
        var mac = new MixMac(MacSubkey);
        var frame = new byte[WideAudioFrame.ClientFrameSize];
        Assert.Equal(2063, WideAudioFrame.WriteClientFrame(samples, Key, 7, 0x0002, 0x01020304, mac, frame));

        var expected = new byte[2063];
        var lanes = new uint[512];
        ulong mask = WideKeystream.Generate(Key, 2, 0x01020304, lanes);
        for (int i = 0; i < 512; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4 * i), unchecked((uint)samples[i] + lanes[i]));
        }

        BinaryPrimitives.WriteUInt64BigEndian(expected.AsSpan(2048), mac.Tag(samples, mask));
        Hex("0002 01020304 07").CopyTo(expected, 2056);
        Assert.Equal(expected, frame);
        Assert.Equal(new WideAudioTag(2, 0x01020304, 7), WideAudioFrame.TagAt(frame, 0));
    }

    [Fact]
    public void A_narrowed_wide_frame_decrypts_with_PicoTalks_key_stream()
    {
        short[] samples = AudioKeystreamTests.Tone(9);
        var frame = new byte[WideAudioFrame.ClientFrameSize];
        WideAudioFrame.WriteClientFrame(samples, Key, 0, 3, 77, new MixMac(MacSubkey), frame);
        var narrow = new byte[AudioFrame.ClientFrameSize];
        Assert.Equal(1030, WideAudioFrame.Narrow(frame, narrow));

        // Byte for byte what a PicoTalk client would have sent.
        var picoTalk = new byte[AudioFrame.ClientFrameSize];
        AudioFrame.WriteClientFrame(samples, Key, 3, 77, picoTalk);
        Assert.Equal(picoTalk, narrow);

        var ring = new AudioKeystreamTests.KeyRing();
        ring.Add(3, Key);
        var decoded = new short[512];
        Assert.True(AudioFrame.TryDecrypt(narrow, ring, decoded));
        Assert.Equal(samples, decoded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2055)]
    [InlineData(2057)]
    [InlineData(2062)]
    public void Wrong_sizes_are_malformed(int length)
    {
        Assert.False(WideAudioFrame.TryRead(new byte[length], out _));
        Assert.Equal(0, WideAudioFrame.Narrow(new byte[length], new byte[4096]));
        Assert.Equal(WideMixResult.Malformed, WideAudioFrame.TryOpen(new byte[length], new AudioKeyRing(), new MixMac(MacSubkey), new int[512]));
    }

    [Fact]
    public void Mutated_wide_payloads_never_throw_in_the_client_or_the_mixer()
    {
        var random = new Random(0x7010);
        var mac = new MixMac(MacSubkey);
        var mixer = new AudioMixer(4);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        var frame = new byte[WideAudioFrame.ClientFrameSize];
        WideAudioFrame.WriteClientFrame(AudioKeystreamTests.Tone(1), Key, 0, 2, 1, mac, frame);
        var sum = new int[512];
        var mix = new byte[mixer.MaxMixSize];
        int verified = 0;
        for (int i = 0; i < 5_000; i++)
        {
            var ring = new AudioKeyRing();
            ring.Accept(2, 0, 0, Key);
            byte[] input = frame.ToArray();
            int flips = random.Next(0, 3);
            for (int f = 0; f < flips; f++)
            {
                input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (random.Next(8) == 0)
            {
                input = input[..random.Next(input.Length)];
            }

            if (WideAudioFrame.TryOpen(input, ring, mac, sum) == WideMixResult.Verified)
            {
                verified++;
                Assert.Equal(frame, input); // only the untouched frame verifies
            }

            mixer.EnqueueWide((ushort)random.Next(1, 5), input);
            if (i % 3 == 0)
            {
                mixer.Tick();
                Assert.InRange(mixer.WriteMix(2, true, mix, out _), 1024, WideAudioFrame.ClientFrameSize);
            }
        }

        Assert.True(verified > 100, $"{verified}");
    }
}
