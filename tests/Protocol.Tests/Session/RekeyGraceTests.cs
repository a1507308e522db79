using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class RekeyGraceTests
{
    [Fact]
    public void Packets_in_flight_under_the_old_keys_open_during_the_grace_period_only()
    {
        using var pair = new SessionPair(new SessionOptions { RekeyAfterPackets = 5, SequenceLimit = 100 });
        var (atA, atB) = pair.Establish();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(atA.TrySendMedia([(byte)i]));
        }

        Assert.True(atB.TrySendMedia([0xE0])); // B has the keys: A stops resending its confirm
        pair.Network.Pump();
        pair.Network.Drop = d => d.Type == PacketType.Media;
        Assert.True(atB.TrySendMedia([0xE1]));
        Assert.True(atB.TrySendMedia([0xE2]));
        byte[][] inFlight = pair.Network.Sent(SessionPair.EndpointB, PacketType.Media).Skip(1).Select(d => d.Data).ToArray();
        pair.Network.Drop = null;

        pair.Step(TimeSpan.FromMilliseconds(50)); // A polls, sees sequence 5, rekeys
        Assert.Equal(1, atA.Rekeys);
        Assert.Equal(1, atB.Rekeys);
        Assert.Single(pair.ObserverA.Established);

        pair.Network.Inject(inFlight[0], SessionPair.EndpointB, SessionPair.EndpointA);
        Assert.Equal([0xE1], pair.ObserverA.Media[^1].Payload);

        // New keys: sequences restart at 1.
        Assert.True(atB.TrySendMedia([0xE3]));
        pair.Network.Pump();
        Assert.Equal(1u, pair.ObserverA.Media[^1].Sequence);
        Assert.Equal(1u, atA.LastReceivedMediaSequence);

        pair.Run(TimeSpan.FromSeconds(2.1), TimeSpan.FromMilliseconds(50));
        pair.Network.Inject(inFlight[1], SessionPair.EndpointB, SessionPair.EndpointA);
        Assert.Equal(3, pair.ObserverA.Media.Count);
        Assert.Equal(1, pair.DropsA[DropReason.AuthenticationFailed]);
        Assert.Null(atA.PreviousKeys);
    }

    [Fact]
    public void Rekey_request_from_a_stranger_is_refused()
    {
        using var pair = new SessionPair();
        pair.Establish();
        using var stranger = PicoTalk.Protocol.Identity.IdentityKey.Generate();
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        byte[] rekey = HandshakeCrypto.BuildRequest(stranger, HandshakeHeader.RekeyFlag, pair.IdentityB.Id,
            ephemeral.ExportSubjectPublicKeyInfo());
        int before = pair.Network.Log.Count;
        pair.Network.Inject(rekey, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Equal(before, pair.Network.Log.Count);
    }
}
