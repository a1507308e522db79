using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Tests.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class SessionHandshakeTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Full_handshake_then_media_and_signals_both_ways()
    {
        using var pair = new SessionPair();
        var (atA, atB) = pair.Establish();

        Assert.Equal(pair.IdentityB.Id, atA.PeerId);
        Assert.Equal(pair.IdentityA.Id, atB.PeerId);
        Assert.True(atA.IsInitiator);
        Assert.False(atB.IsInitiator);
        Assert.Same(atA, Assert.Single(pair.ObserverA.Established));
        Assert.Same(atB, Assert.Single(pair.ObserverB.Established));
        Assert.Single(pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest));
        Assert.Single(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse));
        Assert.Single(pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm));

        Assert.True(atA.TrySendMedia([1, 2, 3]));
        Assert.True(atB.TrySendMedia([4, 5]));
        Assert.True(atA.TrySendSignal(SignalKind.Invite, "Front door"));
        Assert.True(atB.TrySendSignal(SignalKind.Ringing));
        Assert.True(atB.TrySendSignal(SignalKind.Answer));
        pair.Network.Pump();

        var mediaAtB = Assert.Single(pair.ObserverB.Media);
        Assert.Equal([1, 2, 3], mediaAtB.Payload);
        Assert.Equal(1u, mediaAtB.Sequence);
        Assert.Equal([4, 5], Assert.Single(pair.ObserverA.Media).Payload);
        Assert.Equal(new SignalMessage(SignalKind.Invite, "Front door"), Assert.Single(pair.ObserverB.Signals).Message);
        Assert.Equal([SignalKind.Ringing, SignalKind.Answer], pair.ObserverA.Signals.Select(s => s.Message.Kind));
        Assert.Equal(1u, atB.LastReceivedMediaSequence);
        Assert.Equal(0, pair.DropsA.Total + pair.DropsB.Total);

        // Media packets carry exactly 13 bytes of overhead.
        Assert.Equal(3 + 13, pair.Network.Sent(SessionPair.EndpointA, PacketType.Media).Single().Data.Length);
        Assert.Equal(1, pair.A.Counters.HandshakesStarted);
        Assert.Equal(0, pair.B.Counters.HandshakesStarted);
        Assert.Equal(1, pair.A.Counters.HandshakesCompleted);
        Assert.Equal(1, pair.B.Counters.HandshakesCompleted);
    }

    [Fact]
    public void Receiver_reports_travel_sealed_in_control_packets_and_a_bad_one_is_dropped_and_counted()
    {
        using var pair = new SessionPair();
        var (atA, atB) = pair.Establish();
        var report = new ReceiverReport(26, 3, 1234, 4_500, 0x0001_8000, 0x0001_0000, 0x0000_4000, 22_000);

        Assert.True(atA.TrySendReport(report));
        pair.Network.Pump();

        var (session, received) = Assert.Single(pair.ObserverB.Reports);
        Assert.Same(atB, session);
        Assert.Equal(report, received);
        Assert.Empty(pair.ObserverB.Signals);
        var packet = pair.Network.Sent(SessionPair.EndpointA, PacketType.Control).Last();
        Assert.Equal(ReceiverReport.Size + 13, packet.Data.Length);

        // A report of the wrong length, authentic: dropped as malformed, nothing delivered.
        Assert.True(pair.A.TrySendSealed(atA, PacketType.Control, [ReceiverReport.Kind, 1, 0, 0]));
        pair.Network.Pump();
        Assert.Single(pair.ObserverB.Reports);
        Assert.Equal(1, pair.DropsB.Total);
    }

    [Fact]
    public void Identity_mismatch_fails_and_names_both_ids()
    {
        // The dialed ID is B's, but an impostor (who ignores the target) answers from B's address.
        using var pair = new SessionPair();
        using var impostor = IdentityKey.Generate();
        pair.Network.Drop = _ => true;
        var session = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        byte[] request = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Single().Data;
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        byte[] response = HandshakeCrypto.BuildResponse(impostor, 0, request, ephemeral.ExportSubjectPublicKeyInfo());
        pair.Network.Inject(response, SessionPair.EndpointB, SessionPair.EndpointA);

        var failure = Assert.Single(pair.ObserverA.Failures);
        Assert.Same(session, failure.Session);
        Assert.Equal(SessionFailure.IdentityMismatch, failure.Reason);
        Assert.Contains(pair.IdentityB.Id.ToString(), failure.Message);
        Assert.Contains(impostor.Id.ToString(), failure.Message);
        Assert.Equal(SessionState.Closed, session.State);
        Assert.Empty(pair.A.Sessions);
        Assert.Empty(pair.ObserverA.Established);
        Assert.Empty(pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm));
        Assert.Equal(1, pair.DropsA[DropReason.HandshakeRejected]);
        Assert.Equal(1, pair.A.Counters.HandshakesFailed);
    }

    [Fact]
    public void Dialing_the_wrong_id_at_an_honest_appliance_fails_at_once_naming_both_ids()
    {
        using var pair = new SessionPair();
        using var someoneElse = IdentityKey.Generate();
        var session = pair.A.Connect(SessionPair.EndpointB, someoneElse.Id);
        pair.Network.Pump();
        Assert.Equal(SessionState.Closed, session.State);
        var failure = Assert.Single(pair.ObserverA.Failures);
        Assert.Equal(SessionFailure.IdentityMismatch, failure.Reason);
        Assert.Contains(someoneElse.Id.ToString(), failure.Message);
        Assert.Contains(pair.IdentityB.Id.ToString(), failure.Message);
        // B answered, but no confirm followed: nothing is established on B's side.
        Assert.Single(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse));
        Assert.Empty(pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm));
        Assert.Empty(pair.ObserverB.Established);
    }

    [Fact]
    public void Dialing_zero_accepts_whoever_answers()
    {
        using var pair = new SessionPair();
        var session = pair.A.Connect(SessionPair.EndpointB, NodeId.Zero);
        pair.Network.Pump();
        Assert.Equal(SessionState.Established, session.State);
        Assert.Equal(pair.IdentityB.Id, session.PeerId);
    }

    [Fact]
    public void Handshake_timeout_after_identical_retransmissions()
    {
        using var pair = new SessionPair();
        pair.Network.Drop = _ => true;
        var session = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        Assert.Equal(SessionState.Handshaking, session.State);

        pair.Run(TimeSpan.FromMilliseconds(4950), Tick);
        Assert.Equal(SessionState.Handshaking, session.State);
        pair.Step(Tick);

        var failure = Assert.Single(pair.ObserverA.Failures);
        Assert.Equal(SessionFailure.HandshakeTimeout, failure.Reason);
        var requests = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).ToList();
        Assert.InRange(requests.Count, 19, 21); // one every 250 ms for 5 s
        Assert.All(requests, r => Assert.Equal(requests[0].Data, r.Data));
        Assert.Equal(1, pair.A.Counters.HandshakesFailed);
        Assert.Empty(pair.A.Sessions);
    }

    [Fact]
    public void Retransmitted_request_gets_the_identical_response()
    {
        using var pair = new SessionPair();
        // Lose the first response: A resends its request, B must answer with the same bytes.
        int responses = 0;
        pair.Network.Drop = d => d.Type == PacketType.KeyResponse && responses++ == 0;
        var session = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();
        Assert.Equal(SessionState.Handshaking, session.State);
        pair.Step(TimeSpan.FromMilliseconds(250));

        Assert.Equal(SessionState.Established, session.State);
        var sent = pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0].Data, sent[1].Data);
        Assert.Single(pair.ObserverB.Established);
    }

    [Fact]
    public void Lost_key_confirm_is_recovered_by_retransmission()
    {
        using var pair = new SessionPair();
        int confirms = 0;
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm && confirms++ == 0;
        var atA = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();

        Assert.Equal(SessionState.Established, atA.State);
        Assert.Empty(pair.B.Sessions);
        Assert.Equal(1, pair.B.PendingHandshakeCount);

        pair.Step(TimeSpan.FromMilliseconds(250));
        var atB = Assert.Single(pair.B.Sessions);
        Assert.Equal(SessionState.Established, atB.State);
        Assert.Single(pair.ObserverB.Established);

        // Once B has spoken (keepalive), A stops resending the confirm.
        pair.Run(TimeSpan.FromSeconds(2), Tick);
        int sentSoFar = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Count();
        pair.Run(TimeSpan.FromSeconds(3), Tick);
        Assert.Equal(sentSoFar, pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Count());
        Assert.Empty(pair.ObserverA.Failures);
        Assert.Empty(pair.ObserverB.Failures);
        Assert.Equal(0, pair.DropsB[DropReason.HandshakeRejected]);
    }

    [Fact]
    public void Replayed_key_request_after_the_session_ended_never_establishes()
    {
        using var pair = new SessionPair();
        var (atA, atB) = pair.Establish();
        byte[] recordedRequest = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyRequest).Single().Data;
        byte[] recordedConfirm = pair.Network.Sent(SessionPair.EndpointA, PacketType.KeyConfirm).Single().Data;
        atA.Close();
        atB.Close();
        Assert.Empty(pair.B.Sessions);
        pair.Step(TimeSpan.FromSeconds(6)); // the original pending state is long gone

        // The attacker replays the whole recorded A side from A's address, several times.
        for (int i = 0; i < 3; i++)
        {
            pair.Network.Inject(recordedRequest, SessionPair.EndpointA, SessionPair.EndpointB);
            pair.Network.Inject(recordedConfirm, SessionPair.EndpointA, SessionPair.EndpointB);
            pair.Step(TimeSpan.FromSeconds(1));
        }

        pair.Step(TimeSpan.FromSeconds(6));
        Assert.Single(pair.ObserverB.Established); // only the original session
        Assert.Empty(pair.B.Sessions);
        Assert.Empty(pair.ObserverB.Signals);
        Assert.True(pair.DropsB[DropReason.HandshakeRejected] >= 3);
        Assert.Equal(0, pair.B.PendingHandshakeCount);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "identity", "explicit" }, { "identity", "p384" }, { "identity", "rsa" }, { "identity", "ed25519" },
        { "identity", "compressed" }, { "identity", "offcurve" },
        { "ephemeral", "explicit" }, { "ephemeral", "p384" }, { "ephemeral", "rsa" }, { "ephemeral", "ed25519" },
        { "ephemeral", "offcurve" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void Key_request_with_a_non_p256_key_is_refused(string field, string shape)
    {
        using var pair = new SessionPair();
        byte[] bad = shape switch
        {
            "explicit" => P256SpkiTests.ExplicitP256Spki(),
            "p384" => P256SpkiTests.P384Spki(),
            "rsa" => P256SpkiTests.RsaSpki(),
            "ed25519" => P256SpkiTests.Ed25519Spki(),
            "compressed" => P256SpkiTests.CompressedP256Spki(),
            _ => P256SpkiTests.OffCurveSpki(),
        };
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] ephemeralSpki = field == "ephemeral" ? bad : ephemeral.ExportSubjectPublicKeyInfo();
        // A real signature by a real P-256 identity for the ephemeral case, so only the key form is wrong.
        using var identity = IdentityKey.Generate();
        byte[] identitySpki = field == "identity" ? bad : identity.SubjectPublicKeyInfo.ToArray();
        byte[] request = SignedRequest(identity, pair.IdentityB.Id, ephemeralSpki, identitySpki);

        pair.Network.Inject(request, SessionPair.EndpointA, SessionPair.EndpointB);

        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Empty(pair.Network.Log);
        Assert.Equal(0, pair.B.PendingHandshakeCount);
    }

    [Fact]
    public void Key_request_with_a_bad_signature_is_refused_and_one_for_another_target_answered()
    {
        using var pair = new SessionPair();
        using var identity = IdentityKey.Generate();
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] forged = SignedRequest(identity, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray());
        forged[^1] ^= 0x40;
        pair.Network.Inject(forged, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
        Assert.Empty(pair.Network.Log);

        byte[] forOther = SignedRequest(identity, NodeId.Random(), ephemeral.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray());
        pair.Network.Inject(forOther, SessionPair.EndpointA, SessionPair.EndpointB);
        Assert.Single(pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse));
        Assert.Equal(1, pair.DropsB[DropReason.HandshakeRejected]);
    }

    [Fact]
    public void Key_requests_are_rate_limited_per_source()
    {
        using var pair = new SessionPair(new SessionOptions { KeyRequestBurst = 3, KeyRequestsPerSecondPerSource = 1 });
        using var identity = IdentityKey.Generate();
        for (int i = 0; i < 5; i++)
        {
            using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            pair.Network.Inject(SignedRequest(identity, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray()),
                SessionPair.EndpointA, SessionPair.EndpointB);
        }

        Assert.Equal(3, pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Count());
        Assert.Equal(2, pair.DropsB[DropReason.RateLimited]);

        // Another source is not affected, and the bucket refills.
        var other = PeerEndpoint.Parse("10.0.0.9:4000");
        using (var e = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            pair.Network.Inject(SignedRequest(identity, NodeId.Zero, e.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray()), other, SessionPair.EndpointB);
        }

        pair.Time.Advance(TimeSpan.FromSeconds(1));
        using (var e = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            pair.Network.Inject(SignedRequest(identity, NodeId.Zero, e.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray()),
                SessionPair.EndpointA, SessionPair.EndpointB);
        }

        Assert.Equal(5, pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Count());
    }

    [Fact]
    public void Pending_table_is_bounded()
    {
        using var pair = new SessionPair(new SessionOptions { MaxPendingHandshakes = 2 });
        using var identity = IdentityKey.Generate();
        for (int i = 0; i < 3; i++)
        {
            using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            pair.Network.Inject(SignedRequest(identity, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo(), identity.SubjectPublicKeyInfo.ToArray()),
                PeerEndpoint.Parse($"10.0.1.{i + 1}:5004"), SessionPair.EndpointB);
        }

        Assert.Equal(2, pair.B.PendingHandshakeCount);
        Assert.Equal(1, pair.DropsB[DropReason.RateLimited]);
        pair.Step(TimeSpan.FromSeconds(5));
        Assert.Equal(0, pair.B.PendingHandshakeCount);
    }

    [Fact]
    public void New_handshake_from_the_same_endpoint_supersedes_only_once_confirmed()
    {
        using var pair = new SessionPair();
        var (oldAtA, oldAtB) = pair.Establish();
        int confirms = 0;
        pair.Network.Drop = d => d.Type == PacketType.KeyConfirm && confirms++ == 0;
        var newAtA = pair.A.Connect(SessionPair.EndpointB, pair.IdentityB.Id);
        pair.Network.Pump();

        // A has the new session (and dropped its own old one); B still runs the old one until the confirm.
        Assert.Equal(SessionState.Established, newAtA.State);
        Assert.Equal(SessionFailure.Superseded, Assert.Single(pair.ObserverA.Failures).Reason);
        Assert.Same(oldAtB, Assert.Single(pair.B.Sessions));
        Assert.Equal(SessionState.Established, oldAtB.State);

        pair.Step(TimeSpan.FromMilliseconds(250));
        var failureAtB = Assert.Single(pair.ObserverB.Failures);
        Assert.Same(oldAtB, failureAtB.Session);
        Assert.Equal(SessionFailure.Superseded, failureAtB.Reason);
        var newAtB = Assert.Single(pair.B.Sessions);
        Assert.NotSame(oldAtB, newAtB);
        Assert.Equal(SessionState.Closed, oldAtA.State);
        Assert.True(newAtA.TrySendMedia([9]));
        pair.Network.Pump();
        Assert.Same(newAtB, Assert.Single(pair.ObserverB.Media).Session);
    }

    [Fact]
    public void Too_many_sessions_and_dialing_ourselves_fail_at_once()
    {
        using var pair = new SessionPair(new SessionOptions { MaxSessions = 1 });
        pair.Establish();
        var second = pair.A.Connect(PeerEndpoint.Parse("10.0.0.3:5004"), NodeId.Zero);
        Assert.Equal(SessionState.Closed, second.State);
        Assert.Equal(SessionFailure.TooManySessions, pair.ObserverA.Failures.Single().Reason);

        var self = pair.A.Connect(PeerEndpoint.Parse("10.0.0.4:5004"), pair.IdentityA.Id);
        Assert.Equal(SessionFailure.HandshakeRejected, pair.ObserverA.Failures[^1].Reason);
        Assert.Equal(SessionState.Closed, self.State);
        Assert.Throws<ArgumentException>(() => pair.A.Connect(default, NodeId.Zero));
    }

    /// <summary>A KeyRequest signed by <paramref name="signer"/> but carrying arbitrary key bytes.</summary>
    internal static byte[] SignedRequest(IdentityKey signer, NodeId target, byte[] ephemeralSpki, byte[] identitySpki)
    {
        var placeholder = new byte[64];
        var message = new KeyRequest(0, target, ephemeralSpki, identitySpki, placeholder);
        var packet = new byte[message.TotalLength];
        KeyRequest.Write(message, packet);
        byte[] signedData = [.. "picotalk/1 key-request"u8, .. packet.AsSpan(0, message.SignedLength)];
        signer.Sign(signedData, packet.AsSpan(message.SignedLength + 2));
        return packet;
    }
}
