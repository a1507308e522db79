using System.Diagnostics;
using PicoTalk.Protocol.Rooms;
using PicoTalk.TestSupport;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// Random and mutated inputs to every rooms reader (STYLE.md 10): nothing throws, a reader accepts
/// only what re-encodes to its input, and no forged or replayed sealed packet opens. Seeded, so a
/// failure reproduces.
/// </summary>
public sealed class RoomsFuzzTests
{
    private static readonly byte[] Key = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] input;
        switch (random.Next(6))
        {
            case 0:
                return Mutations.FlipBits(random, valid);
            case 1:
                return Mutations.Truncate(random, valid);
            case 2:
                return Mutations.Extend(random, valid);
            case 3:
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
                return input;
            case 4:
                // The length field of the header rewritten.
                input = (byte[])valid.Clone();
                if (input.Length >= 3)
                {
                    input[1] = (byte)random.Next(0x45);
                    input[2] = (byte)random.Next(256);
                }

                return input;
            default:
                input = new byte[random.Next(0, 300)];
                random.NextBytes(input);
                if (input.Length > 0)
                {
                    input[0] = (byte)random.Next(0, 5);
                }

                return input;
        }
    }

    private static byte[][] ValidPackets()
    {
        var buffer = new byte[2048];
        int n1 = RoomPacket.Write(RoomPacketType.Json, 1, 0, "{\"version\":[0,0,20]}"u8, buffer);
        byte[] hello = buffer[..n1];
        int n2 = RoomPacket.Write(RoomPacketType.AudioFrame, 2, 1, new byte[1030], buffer);
        byte[] audio = buffer[..n2];
        using var channel = new SecureChannel(Key, ChannelKind.Stream, ChannelRole.Initiator);
        int n3 = channel.SealPacket(hello, buffer);
        return [hello, audio, buffer[..n3], Hex("03 0000 0000 0000")];
    }

    [Fact]
    public void Framing_readers_never_throw_and_accept_only_what_they_write_back()
    {
        var random = new Random(0x7001);
        byte[][] valid = ValidPackets();
        var buffer = new byte[RoomDatagram.MaxSize];
        int complete = 0, incomplete = 0, invalid = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < 100_000; i++)
        {
            byte[] input = Mutate(random, valid[random.Next(valid.Length)]);
            var status = RoomPacket.TryRead(input, out var packet, out int consumed, out var error);
            switch (status)
            {
                case RoomReadStatus.Complete:
                    complete++;
                    Assert.Equal(RoomPacketError.None, error);
                    int n = packet.WriteTo(buffer);
                    Assert.Equal(consumed, n);
                    Assert.True(input.AsSpan(0, consumed).SequenceEqual(buffer.AsSpan(0, n)));
                    break;
                case RoomReadStatus.Incomplete:
                    incomplete++;
                    Assert.Equal(RoomPacketError.None, error);
                    Assert.Equal(0, consumed);
                    break;
                default:
                    invalid++;
                    Assert.NotEqual(RoomPacketError.None, error);
                    Assert.Equal(0, consumed);
                    break;
            }

            byte[] datagram = [.. Mutate(random, [0, 0, 0, 9, .. valid[random.Next(valid.Length)]])];
            if (RoomDatagram.TryRead(datagram, out uint streamId, out var inner, out _))
            {
                int m = RoomDatagram.Write(streamId, inner.Type, inner.Src, inner.Dst, inner.Payload, buffer);
                Assert.True(datagram.AsSpan().SequenceEqual(buffer.AsSpan(0, m)));
            }
        }

        Assert.True(complete > 1000 && incomplete > 1000 && invalid > 1000, $"{complete}/{incomplete}/{invalid}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData(ChannelKind.Stream)]
    [InlineData(ChannelKind.Udp)]
    [InlineData(ChannelKind.PeerToPeer)]
    public void Mutated_sealed_payloads_never_throw_and_never_open(ChannelKind kind)
    {
        var random = new Random(0x7002 + (int)kind);
        using var sender = new SecureChannel(Key, kind, ChannelRole.Responder);
        var sealedBuffer = new byte[256];
        var originals = new List<byte[]>();
        for (int i = 0; i < 8; i++)
        {
            var message = new byte[random.Next(0, 100)];
            random.NextBytes(message);
            int n = sender.Seal(message, sealedBuffer);
            originals.Add(sealedBuffer[..n]);
        }

        var plain = new byte[512];
        int opened = 0;
        for (int i = 0; i < 20_000; i++)
        {
            using var receiver = new SecureChannel(Key, kind, ChannelRole.Initiator);
            byte[] original = originals[random.Next(originals.Count)];
            byte[] input = Mutate(random, original);
            bool ok = receiver.TryOpen(input, plain, out int written);
            if (ok)
            {
                opened++;
                Assert.Equal(original, input); // only an unmodified packet opens
                Assert.Equal(input.Length - receiver.Overhead, written);
            }
        }

        // Not vacuous: left intact, the first packet opens (on UDP any of them does).
        using var fresh = new SecureChannel(Key, kind, ChannelRole.Initiator);
        Assert.True(fresh.TryOpen(originals[0], plain, out _));
        Assert.True(opened < 20_000 / 10, $"{opened}");
    }

    [Fact]
    public void Random_hellos_and_public_values_never_throw()
    {
        var random = new Random(0x7003);
        using var identity = X25519KeyPair.Generate();
        using var server = new TransportHandshake(ChannelRole.Responder, identity);
        var validHello = new byte[64];
        server.WriteHello(validHello);
        using var exchange = new PasswordExchange("pw");
        byte[] validPublic = exchange.PublicValue.ToArray();
        var key = new byte[32];
        int completed = 0, derived = 0;
        for (int i = 0; i < 2_000; i++)
        {
            using var client = new TransportHandshake(ChannelRole.Initiator, identity);
            byte[] hello = Mutate(random, validHello);
            if (client.TryComplete(hello, key))
            {
                completed++;
                Assert.Equal(64, hello.Length);
            }

            byte[] publicValue = Mutate(random, validPublic);
            if (i % 4 == 0)
            {
                publicValue = [0, .. new byte[31]];
            }

            if (exchange.TryDeriveKey(publicValue, key))
            {
                derived++;
                Assert.Equal(32, publicValue.Length);
                Assert.Contains(publicValue, b => b != 0);
            }
        }

        Assert.True(completed > 100 && derived > 100, $"{completed}/{derived}");
    }

    [Fact]
    public void Mutated_audio_payloads_never_throw_in_the_client_or_the_mixer()
    {
        var random = new Random(0x7004);
        var ring = new AudioKeystreamTests.KeyRing();
        ring.Add(2, Key);
        ring.Add(3, Key);
        var mixer = new AudioMixer(4);
        mixer.AddPeer(2);
        mixer.AddPeer(3);
        var frame = new byte[AudioFrame.ClientFrameSize];
        AudioFrame.WriteClientFrame(AudioKeystreamTests.Tone(1), Key, 2, 1, frame);
        byte[] mixed = [.. frame, 0, 3, 0, 0, 0, 9];
        var samples = new short[512];
        var mix = new byte[mixer.MaxMixSize];
        int decrypted = 0, queued = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = Mutate(random, random.Next(2) == 0 ? frame : mixed);
            if (AudioFrame.TryDecrypt(input, ring, samples))
            {
                decrypted++;
                Assert.True(AudioFrame.TryRead(input, out _));
            }

            var result = mixer.Enqueue((ushort)random.Next(1, 5), input);
            if (result is AudioEnqueueResult.Queued or AudioEnqueueResult.QueuedDroppedOldest)
            {
                queued++;
                Assert.Equal(AudioFrame.ClientFrameSize, input.Length);
            }

            if (i % 3 == 0)
            {
                mixer.Tick();
                Assert.InRange(mixer.WriteMix(2, mix), 1024, 1030);
            }
        }

        Assert.True(decrypted > 100 && queued > 100, $"{decrypted}/{queued}");
    }
}
