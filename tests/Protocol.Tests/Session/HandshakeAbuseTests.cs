using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>
/// What a remote attacker can do with handshake messages: floods of forged ones must be refused
/// before any public-key operation once the source's tokens are spent, and a confirm of another
/// run must never establish anything (DESIGN.md "Session layer", "Crypto rules").
/// </summary>
public sealed class HandshakeAbuseTests
{
    private static readonly PeerEndpoint EndpointC = PeerEndpoint.Parse("10.0.0.3:5004");

    private static byte[] ForgedRequest(IdentityKey identity, NodeId target)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] request = SessionHandshakeTests.SignedRequest(identity, target, ephemeral.ExportSubjectPublicKeyInfo(),
            identity.SubjectPublicKeyInfo.ToArray());
        request[^5] ^= 0x10; // a well-formed request whose signature does not verify
        return request;
    }

    [Fact]
    public void Forged_request_flood_is_refused_before_any_signature_check()
    {
        using var pair = new SessionPair(new SessionOptions { KeyRequestBurst = 3, KeyRequestsPerSecondPerSource = 1 });
        using var identity = IdentityKey.Generate();
        byte[] forged = ForgedRequest(identity, pair.IdentityB.Id);
        for (int i = 0; i < 10; i++)
        {
            forged[^1] = (byte)i; // distinct bytes, so none is taken for a retransmission
            pair.Network.Inject(forged, SessionPair.EndpointA, SessionPair.EndpointB);
        }

        // Three tokens, three verifications; the other seven were dropped as RateLimited even
        // though their signatures are invalid, i.e. without ever being checked.
        Assert.Equal(3, pair.B.SignatureVerifications);
        Assert.Equal(3, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Equal(7, pair.DropsB[DropReason.RateLimited]);
        Assert.Empty(pair.Network.Log);

        // A source that is not flooding is still served, and the flooder is after a refill.
        using var honest = IdentityKey.Generate();
        using var e = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        pair.Network.Inject(SessionHandshakeTests.SignedRequest(honest, NodeId.Zero, e.ExportSubjectPublicKeyInfo(),
            honest.SubjectPublicKeyInfo.ToArray()), EndpointC, SessionPair.EndpointB);
        Assert.Single(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse));
        pair.Time.Advance(TimeSpan.FromSeconds(1));
        pair.Network.Inject(forged, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(5, pair.B.SignatureVerifications);
    }

    [Fact]
    public void Forged_confirm_flood_is_bounded_and_the_genuine_confirm_still_lands()
    {
        using var pair = new SessionPair();
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm;
        var atA = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();
        Assert.Equal(1, pair.B.PendingHandshakeCount);
        long afterRequest = pair.B.SignatureVerifications;

        var forged = new byte[KeyConfirm.SignatureLengthOffset + 2 + IdentityKey.SignatureSize];
        KeyConfirm.Write(new KeyConfirm(0, new byte[IdentityKey.SignatureSize]), forged);
        for (int i = 0; i < 50; i++)
        {
            forged[^1] = (byte)i;
            pair.Network.Inject(forged, SessionPair.EndpointA, SessionPair.EndpointB);
        }

        // The request took one of the 8 tokens; 7 forged confirms were checked, 43 never were.
        Assert.Equal(7, pair.B.SignatureVerifications - afterRequest);
        Assert.Equal(43, pair.DropsB[DropReason.RateLimited]);
        Assert.Empty(pair.B.Sessions);

        pair.Network.Drop = null;
        pair.Step(TimeSpan.FromMilliseconds(300)); // a token refilled; A resends its confirm
        Assert.Same(Assert.Single(pair.B.Sessions), Assert.Single(pair.ObserverB.Established));
        Assert.Equal(SessionState.Established, atA.State);
    }

    [Fact]
    public void Forged_response_flood_at_the_initiator_is_bounded()
    {
        using var pair = new SessionPair();
        pair.Network.Drop = _ => true;
        var session = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        // Signed by B's real key, but over another request: a well-formed response that cannot verify.
        byte[] forged = HandshakeCrypto.BuildResponse(pair.IdentityB, 0, [1, 2, 3], ephemeral.ExportSubjectPublicKeyInfo());
        for (int i = 0; i < 30; i++)
        {
            pair.Network.Inject(forged, SessionPair.EndpointB, SessionPair.EndpointA);
        }

        Assert.Equal(8, pair.A.SignatureVerifications);
        Assert.Equal(22, pair.DropsA[DropReason.RateLimited]);
        Assert.Equal(SessionState.Handshaking, session.State);
    }

    [Fact]
    public void Confirm_of_another_pending_handshake_is_refused()
    {
        using var pair = new SessionPair();
        using var identityC = IdentityKey.Generate();
        var observerC = new RecordingObserver();
        var c = new SessionLayer(identityC, pair.Network.SenderFor(EndpointC), observerC, pair.Time, new DropCounters());
        pair.Network.Attach(EndpointC, c);
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm;
        pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        c.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();
        Assert.Equal(2, pair.B.PendingHandshakeCount);
        byte[] confirmA = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Single().Data;
        byte[] confirmC = pair.Network.Sent(EndpointC, PacketType.KeyConfirm).Single().Data;

        pair.Network.Inject(confirmC, SessionPair.EndpointA, SessionPair.EndpointB);
        pair.Network.Inject(confirmA, EndpointC, SessionPair.EndpointB);
        Assert.Equal(2, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Empty(pair.B.Sessions);
        Assert.Empty(pair.ObserverB.Established);

        pair.Network.Inject(confirmA, SessionPair.EndpointA, SessionPair.EndpointB);
        pair.Network.Inject(confirmC, EndpointC, SessionPair.EndpointB);
        Assert.Equal(
            new[] { pair.IdentityA.Id, identityC.Id }.Order(),
            pair.ObserverB.Established.Select(s => s.PeerId).Order());
    }

    [Fact]
    public void Replayed_confirm_of_an_ended_session_is_refused()
    {
        using var pair = new SessionPair();
        var (atA, atB) = pair.Establish();
        byte[] request = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Single().Data;
        byte[] confirm = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Single().Data;
        atA.Close();
        atB.Close();

        // The replayed request gets a fresh ephemeral, so the recorded confirm cannot match it.
        pair.Network.Inject(request, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.B.PendingHandshakeCount);
        pair.Network.Inject(confirm, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Single(pair.ObserverB.Established);
        Assert.Empty(pair.B.Sessions);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
    }

    [Fact]
    public void Confirm_after_the_pending_timeout_is_refused_even_before_the_next_poll()
    {
        using var pair = new SessionPair();
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm;
        pair.A.Connect(SessionPair.EndpointB, NodeId.Zero);
        pair.Network.Pump();
        byte[] confirm = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Single().Data;

        pair.Time.Advance(pair.B.Options.PendingTimeout);
        pair.Network.Inject(confirm, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Empty(pair.ObserverB.Established);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
    }
}
