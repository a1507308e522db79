using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>
/// While a rekey waits for its KeyConfirm, the initiator already seals under the new keys; if
/// anything displaced the responder's pending state, the confirm would fail and the call would die.
/// A spoofed request with another identity, or a replay of a request that keyed the session before,
/// must therefore leave the pending rekey alone.
/// </summary>
public sealed class RekeyHijackTests
{
    private static readonly SessionOptions Options = new() { RekeyAfterPackets = 5, SequenceLimit = 100 };

    /// <summary>Runs A's next rekey with its first confirm lost; returns the rekey request, pending at B.</summary>
    private static byte[] RekeyWithConfirmLost(SessionPair pair, SecureSession atA, SecureSession atB)
    {
        for (int i = 0; i < 5; i++)
        {
            Assert.True(atA.TrySendMedia([(byte)i]));
        }

        Assert.True(atB.TrySendMedia([0xB0])); // A learns that B has the current keys
        pair.Network.Pump();
        int requestsBefore = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Count();
        bool lost = false;
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm && !lost && (lost = true);
        pair.Step(TimeSpan.FromMilliseconds(50));
        pair.Network.Drop = null;
        Assert.Equal(1, pair.B.PendingHandshakeCount);
        return pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Skip(requestsBefore).Single().Data;
    }

    /// <summary>A resends its confirm; B must take it and switch to the keys A already seals under.</summary>
    private static void AssertRekeyCompletes(SessionPair pair, SecureSession atA, SecureSession atB, int rekeys)
    {
        Assert.Equal(rekeys, atA.Rekeys);
        Assert.Equal(rekeys - 1, atB.Rekeys);
        pair.Step(TimeSpan.FromMilliseconds(250));
        Assert.Equal(rekeys, atA.Rekeys);
        Assert.Equal(rekeys, atB.Rekeys);
        Assert.True(atA.TrySendMedia([0xAA]));
        pair.Network.Pump();
        Assert.Equal([0xAA], pair.ObserverB.Media[^1].Payload);
        Assert.Equal(1u, pair.ObserverB.Media[^1].Sequence);
    }

    /// <summary>The call outlives the old keys' grace period and the silence timeout.</summary>
    private static void AssertCallSurvives(SessionPair pair, SecureSession atB)
    {
        pair.Run(TimeSpan.FromSeconds(8), TimeSpan.FromMilliseconds(50));
        Assert.Empty(pair.ObserverA.Failures);
        Assert.Empty(pair.ObserverB.Failures);
        Assert.Equal(SessionState.Established, atB.State);
    }

    [Fact]
    public void Request_with_another_identity_from_the_peer_address_does_not_void_a_pending_rekey()
    {
        using var pair = new SessionPair(Options);
        var (atA, atB) = pair.Establish();
        RekeyWithConfirmLost(pair, atA, atB);

        using var stranger = IdentityKey.Generate();
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        byte[] spoofed = HandshakeCrypto.BuildRequest(stranger, 0, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo());
        pair.Network.Inject(spoofed, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Empty(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Where(d => d.Data[2] == 0).Skip(1));

        AssertRekeyCompletes(pair, atA, atB, rekeys: 1);
        AssertCallSurvives(pair, atB);
    }

    [Fact]
    public void Replayed_first_request_does_not_void_a_pending_rekey()
    {
        using var pair = new SessionPair(Options);
        var (atA, atB) = pair.Establish();
        byte[] first = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Single().Data;
        RekeyWithConfirmLost(pair, atA, atB);

        int responses = pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Count();
        pair.Network.Inject(first, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Equal(responses, pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Count());

        AssertRekeyCompletes(pair, atA, atB, rekeys: 1);
        AssertCallSurvives(pair, atB);
    }

    [Fact]
    public void Replayed_earlier_rekey_request_does_not_void_the_next_rekey()
    {
        using var pair = new SessionPair(Options);
        var (atA, atB) = pair.Establish();
        byte[] firstRekey = RekeyWithConfirmLost(pair, atA, atB);
        AssertRekeyCompletes(pair, atA, atB, rekeys: 1);

        RekeyWithConfirmLost(pair, atA, atB);
        pair.Network.Inject(firstRekey, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);

        AssertRekeyCompletes(pair, atA, atB, rekeys: 2);
        AssertCallSurvives(pair, atB);
    }
}
