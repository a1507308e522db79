using System.Buffers.Binary;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class SessionStreamTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private static byte[] CaptureMedia(SessionPair pair, SecureSession from, byte[] payload)
    {
        pair.Network.Drop = d => d.Type == PacketType.Media;
        Assert.True(from.TrySendMedia(payload));
        pair.Network.Drop = null;
        return pair.Network.Log[^1].Data;
    }

    [Theory]
    [InlineData(0)] // type
    [InlineData(3)] // sequence
    [InlineData(6)] // tag
    [InlineData(14)] // ciphertext
    public void Tampered_packet_is_counted_and_not_delivered(int offset)
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        byte[] packet = CaptureMedia(pair, atA, [1, 2, 3, 4, 5]);
        packet[offset] ^= offset == 0 ? (byte)0x01 : (byte)0x20; // type 0x10 -> 0x11 (Control)

        pair.Network.Inject(packet, SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Equal(1, pair.DropsB[DropReason.AuthenticationFailed]);
        Assert.Empty(pair.ObserverB.Media);
        Assert.Empty(pair.ObserverB.Signals);
    }

    [Fact]
    public void Replayed_packet_is_counted_and_delivered_once()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        byte[] packet = CaptureMedia(pair, atA, [7, 7]);
        pair.Network.Inject(packet, SessionPair.EndpointA, SessionPair.EndpointB);
        pair.Network.Inject(packet, SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Single(pair.ObserverB.Media);
        Assert.Equal(1, pair.DropsB[DropReason.Replayed]);
        Assert.Equal(0, pair.DropsB[DropReason.AuthenticationFailed]);
    }

    [Fact]
    public void A_forged_packet_does_not_burn_its_sequence_number()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        byte[] packet = CaptureMedia(pair, atA, [1, 2, 3]);
        var forged = (byte[])packet.Clone();
        forged[^1] ^= 1;
        pair.Network.Inject(forged, SessionPair.EndpointA, SessionPair.EndpointB);
        pair.Network.Inject(packet, SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Equal(1, pair.DropsB[DropReason.AuthenticationFailed]);
        Assert.Equal([1, 2, 3], Assert.Single(pair.ObserverB.Media).Payload);
    }

    [Fact]
    public void Packet_sealed_by_another_session_with_the_same_endpoint_is_refused()
    {
        using var pair = new SessionPair();
        var (oldAtA, _) = pair.Establish();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(oldAtA.TrySendMedia([(byte)i]));
        }

        pair.Network.Pump();
        byte[] oldPacket = CaptureMedia(pair, oldAtA, [0xAA]); // sequence 6 under the old keys

        var newAtA = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();
        Assert.True(newAtA.TrySendMedia([0xBB]));
        pair.Network.Pump();
        int delivered = pair.ObserverB.Media.Count;

        pair.Network.Inject(oldPacket, SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Equal(1, pair.DropsB[DropReason.AuthenticationFailed]);
        Assert.Equal(delivered, pair.ObserverB.Media.Count);
        Assert.DoesNotContain(pair.ObserverB.Media, m => m.Payload.SequenceEqual(new byte[] { 0xAA }));
    }

    [Fact]
    public void Packets_from_an_unknown_endpoint_or_too_short_are_counted()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        byte[] packet = CaptureMedia(pair, atA, [1]);
        pair.Network.Inject(packet, PeerEndpoint.Parse("10.9.9.9:5004"), SessionPair.EndpointB);
        pair.Network.Inject(packet[..12], SessionPair.EndpointA, SessionPair.EndpointB);
        pair.Network.Inject(new byte[1501], SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Equal(1, pair.DropsB[DropReason.UnknownSession]);
        Assert.Equal(2, pair.DropsB[DropReason.Malformed]);
    }

    [Fact]
    public void Unknown_signal_kind_is_dropped_as_malformed()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        // Seal a control payload with kind 0x42 directly through the layer.
        Assert.True(pair.A.TrySendSealed(atA, PacketType.Control, [0x42, 0x00]));
        pair.Network.Pump();
        Assert.Equal(1, pair.DropsB[DropReason.Malformed]);
        Assert.Empty(pair.ObserverB.Signals);
    }

    [Fact]
    public void Sealing_is_refused_at_the_sequence_limit()
    {
        using var pair = new SessionPair(new SessionOptions { SequenceLimit = 20, RekeyAfterPackets = 10 });
        var (atA, _) = pair.Establish();
        for (int i = 0; i < 20; i++)
        {
            Assert.True(atA.TrySendMedia([(byte)i]), $"packet {i + 1}");
        }

        Assert.False(atA.TrySendMedia([0xFF]));
        Assert.False(atA.TrySendMedia([0xFF]));
        Assert.Equal(2, pair.A.Counters.SealsRefused);
        Assert.True(atA.TrySendSignal(SignalKind.Hangup)); // the control stream has its own sequence
        pair.Network.Pump();
        Assert.Equal(20, pair.ObserverB.Media.Count);
        Assert.Equal(20u, pair.ObserverB.Media[^1].Sequence);
    }

    [Fact]
    public void Long_stream_rekeys_and_keeps_flowing()
    {
        var options = new SessionOptions { RekeyAfterPackets = 64, SequenceLimit = 200 };
        using var pair = new SessionPair(options);
        var (atA, atB) = pair.Establish();
        uint nextA = 0, nextB = 0;
        for (int step = 0; step < 200; step++)
        {
            for (int i = 0; i < 10; i++)
            {
                Assert.True(atA.TrySendMedia(Counter(0xA0, nextA++)));
                Assert.True(atB.TrySendMedia(Counter(0xB0, nextB++)));
            }

            if (step % 7 == 0)
            {
                Assert.True(atA.TrySendSignal(SignalKind.Ringing, $"a{step}"));
                Assert.True(atB.TrySendSignal(SignalKind.Ringing, $"b{step}"));
            }

            pair.Step(Tick);
        }

        // Every payload arrived once, in order, intact: none authenticated under a wrong key.
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => Counter(0xA0, (uint)i)), pair.ObserverB.Media.Select(m => m.Payload));
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => Counter(0xB0, (uint)i)), pair.ObserverA.Media.Select(m => m.Payload));
        Assert.Equal(0, pair.DropsA.Total + pair.DropsB.Total);
        Assert.Equal(0, pair.A.Counters.SealsRefused + pair.B.Counters.SealsRefused);
        Assert.True(atA.Rekeys >= 20, $"only {atA.Rekeys} rekeys");
        Assert.Equal(atA.Rekeys, atB.Rekeys);
        Assert.Single(pair.ObserverA.Established);
        Assert.Single(pair.ObserverB.Established);
        Assert.Equal(29, pair.ObserverB.Signals.Count);
        Assert.Equal(29, pair.ObserverA.Signals.Count);
        var requests = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).ToList();
        Assert.Equal(0, requests[0].Data[HandshakeHeader.FlagsOffset]);
        Assert.All(requests.Skip(1), d => Assert.Equal(HandshakeHeader.RekeyFlag, d.Data[HandshakeHeader.FlagsOffset]));
        Assert.Empty(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyRequest));
    }

    [Fact]
    public void Keepalives_hold_an_idle_session_and_silence_fails_it()
    {
        using var pair = new SessionPair();
        var (atA, atB) = pair.Establish();
        int controlBefore = pair.Network.Log.Count(d => d.Type == PacketType.Control);
        pair.Run(TimeSpan.FromSeconds(20), Tick);

        Assert.Equal(SessionState.Established, atA.State);
        Assert.Equal(SessionState.Established, atB.State);
        int keepalives = pair.Network.Log.Count(d => d.Type == PacketType.Control) - controlBefore;
        Assert.InRange(keepalives, 38, 42); // one per second per side
        Assert.Empty(pair.ObserverA.Signals); // keepalives are consumed by the layer

        // Cut the link: both sides fail PeerSilent 6 s after the last packet, not before.
        pair.Network.Drop = _ => true;
        pair.Run(TimeSpan.FromSeconds(5), Tick);
        Assert.Empty(pair.ObserverA.Failures);
        pair.Run(TimeSpan.FromSeconds(1.1), Tick);
        Assert.Equal(SessionFailure.PeerSilent, Assert.Single(pair.ObserverA.Failures).Reason);
        Assert.Equal(SessionFailure.PeerSilent, Assert.Single(pair.ObserverB.Failures).Reason);
        Assert.Empty(pair.A.Sessions);
    }

    [Fact]
    public void Closing_zeroes_the_keys_and_forgets_the_session()
    {
        using var pair = new SessionPair();
        var (atA, _) = pair.Establish();
        var keys = atA.Keys!;
        atA.Close();
        Assert.Equal(SessionState.Closed, atA.State);
        Assert.Empty(pair.A.Sessions);
        Assert.All([keys.MediaOut.Cipher, keys.MediaIn.Cipher, keys.ControlOut.Cipher, keys.ControlIn.Cipher],
            c => Assert.True(c.Key.IndexOfAnyExcept((byte)0) < 0));
        Assert.False(atA.TrySendMedia([1]));
        atA.Close(); // idempotent
    }

    private static byte[] Counter(byte tag, uint value)
    {
        var payload = new byte[60];
        payload.AsSpan().Fill(tag);
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return payload;
    }
}
