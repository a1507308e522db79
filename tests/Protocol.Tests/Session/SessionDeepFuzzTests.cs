using System.Diagnostics;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Tests.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>
/// Byte-level mutants of captured packets almost never carry a valid signature, so they stop at the
/// first signature check. This fuzzer mutates handshake messages at the field level and then
/// signs them properly (as a peer with a real identity key would), so the inputs get past every
/// signature and reach the deep states: pending tables, replacement rules, rekeys, confirms, session
/// creation and supersession. Nothing may throw, every input is accepted or counted, and the run
/// must prove that it reached those states.
/// </summary>
public sealed class SessionDeepFuzzTests
{
    private const int Iterations = 3_000;

    private static readonly PeerEndpoint[] Sources =
    [
        SessionPair.EndpointA, SessionPair.EndpointA, SessionPair.EndpointA, PeerEndpoint.Parse("10.0.0.3:5004"),
        PeerEndpoint.Parse("10.0.0.4:6000"), PeerEndpoint.Parse("10.0.0.5:5004"), PeerEndpoint.Parse("10.0.0.6:5004"),
    ];

    [Fact]
    public void Signed_field_level_mutants_reach_deep_states_without_throwing()
    {
        var options = new SessionOptions
        {
            KeyRequestBurst = 1_000_000, KeyRequestsPerSecondPerSource = 1_000_000, MaxPendingHandshakes = 3, MaxSessions = 3,
        };
        using var pair = new SessionPair(options, seed: 7);
        using var stranger = IdentityKey.Generate();
        pair.Network.Drop = _ => true; // B's answers are logged but never delivered: this test plays every initiator
        var random = new Random(2024);
        var lastRequest = new Dictionary<PeerEndpoint, byte[]>();
        long Accounted() => pair.DropsB.Total + pair.B.Counters.PacketsOpened + pair.B.Counters.HandshakeMessagesAccepted;

        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            var from = Sources[random.Next(Sources.Length)];
            var signer = random.Next(4) == 0 ? stranger : pair.IdentityA;
            byte[] input;
            if (random.Next(2) == 0 || !lastRequest.ContainsKey(from))
            {
                input = SignedRequest(random, signer, pair.IdentityB.Id);
                lastRequest[from] = input;
            }
            else
            {
                input = SignedConfirm(random, signer, lastRequest[from], LastResponseTo(pair, from));
            }

            if (random.Next(10) == 0)
            {
                input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8)); // and sometimes break it after signing
            }

            long before = Accounted();
            pair.B.Handle(input, from);
            Assert.True(Accounted() > before, $"input {i} ({Convert.ToHexString(input)}) was neither accepted nor counted");
            if (random.Next(50) == 0)
            {
                pair.Time.Advance(TimeSpan.FromSeconds(random.Next(1, 4)));
                pair.B.Poll();
            }
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {stopwatch.Elapsed}");
        // Deep states, not just the parser: answered requests, sessions created by confirms, rekeys,
        // supersessions, refusals by the handshake rules and by the pending bound.
        int responses = pair.Network.Sent(SessionPair.EndpointB, PacketType.KeyResponse).Count();
        Assert.True(responses > 150, $"{responses} responses");
        Assert.True(pair.ObserverB.Established.Count > 20, $"{pair.ObserverB.Established.Count} sessions");
        Assert.True(pair.B.Counters.Rekeys > 5, $"{pair.B.Counters.Rekeys} rekeys");
        Assert.Contains(pair.ObserverB.Failures, f => f.Reason == SessionFailure.Superseded);
        Assert.True(pair.DropsB[DropReason.HandshakeRejected] > 100);
        Assert.True(pair.DropsB[DropReason.RateLimited] > 0);
        Assert.True(pair.B.Sessions.Count <= options.MaxSessions);
        Assert.True(pair.B.PendingHandshakeCount <= options.MaxPendingHandshakes);
    }

    private static byte[] LastResponseTo(SessionPair pair, PeerEndpoint to) =>
        pair.Network.Log.LastOrDefault(d => d.To == to && d.Type == PacketType.KeyResponse)?.Data ?? [2, 1, 0, 0];

    /// <summary>A KeyRequest with mutated fields (flags, target, key forms), validly signed by <paramref name="signer"/>.</summary>
    private static byte[] SignedRequest(Random random, IdentityKey signer, NodeId responderId)
    {
        byte flags = random.Next(8) switch { 0 => 0x02, < 4 => HandshakeHeader.RekeyFlag, _ => 0 };
        var target = random.Next(6) switch { 0 => NodeId.Random(), < 3 => NodeId.Zero, _ => responderId };
        byte[] ephemeral;
        using (var key = HandshakeCrypto.NewEphemeral())
        {
            ephemeral = random.Next(12) switch
            {
                0 => P256SpkiTests.OffCurveSpki(),
                1 => P256SpkiTests.CompressedP256Spki(),
                2 => P256SpkiTests.Ed25519Spki(),
                _ => key.ExportSubjectPublicKeyInfo(),
            };
        }

        byte[] identity = random.Next(15) == 0 ? P256SpkiTests.OffCurveSpki() : signer.SubjectPublicKeyInfo.ToArray();
        var message = new KeyRequest(0, target, ephemeral, identity, new byte[IdentityKey.SignatureSize]);
        var packet = new byte[message.TotalLength];
        KeyRequest.Write(message, packet);
        packet[HandshakeHeader.FlagsOffset] = flags;
        signer.Sign([.. HandshakeCrypto.RequestContext, .. packet.AsSpan(0, message.SignedLength)],
            packet.AsSpan(message.SignedLength + HandshakeHeader.LengthPrefixSize));
        return packet;
    }

    /// <summary>A KeyConfirm over a request and response (often the right ones), validly signed by <paramref name="signer"/>.</summary>
    private static byte[] SignedConfirm(Random random, IdentityKey signer, byte[] request, byte[] response)
    {
        byte[] signed = random.Next(8) switch
        {
            0 => [.. HandshakeCrypto.ResponseContext, .. request, .. response], // right transcript, wrong context
            1 => [.. HandshakeCrypto.ConfirmContext, .. response, .. request],
            _ => [.. HandshakeCrypto.ConfirmContext, .. request, .. response],
        };
        var signature = new byte[IdentityKey.SignatureSize];
        signer.Sign(signed, signature);
        byte flags = random.Next(6) == 0 ? (byte)(request[HandshakeHeader.FlagsOffset] ^ 1) : request[HandshakeHeader.FlagsOffset];
        var packet = new byte[KeyConfirm.SignatureLengthOffset + HandshakeHeader.LengthPrefixSize + signature.Length];
        KeyConfirm.Write(new KeyConfirm(0, signature), packet);
        packet[HandshakeHeader.FlagsOffset] = flags;
        return packet;
    }
}
