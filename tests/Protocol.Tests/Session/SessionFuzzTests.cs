using System.Diagnostics;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>
/// Random and mutated inputs (bit flips, truncations, extensions, overwrites of valid packets) to
/// every codec and to <see cref="SessionLayer.Handle"/>: nothing throws, every input is either
/// accepted or counted. Seeded, so a failure reproduces.
/// </summary>
public sealed class SessionFuzzTests
{
    private const int Iterations = 100_000;

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
                // A length field (big-endian u16) rewritten to something else.
                input = (byte[])valid.Clone();
                if (input.Length > 6)
                {
                    int at = random.Next(4, input.Length - 1);
                    input[at] = (byte)random.Next(3);
                    input[at + 1] = (byte)random.Next(256);
                }

                return input;
            default:
                input = new byte[random.Next(0, 400)];
                random.NextBytes(input);
                if (input.Length > 0 && random.Next(2) == 0)
                {
                    input[0] = (byte)(random.Next(2) == 0 ? valid[0] : random.Next(1, 4));
                }

                return input;
        }
    }

    private static (byte[] Request, byte[] Response, byte[] Confirm) RealHandshake()
    {
        using var identity = IdentityKey.Generate();
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        byte[] request = HandshakeCrypto.BuildRequest(identity, 0, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo());
        byte[] response = HandshakeCrypto.BuildResponse(identity, 0, request, ephemeral.ExportSubjectPublicKeyInfo());
        return (request, response, HandshakeCrypto.BuildConfirm(identity, 0, request, response));
    }

    [Fact]
    public void Codecs_never_throw_and_round_trip_what_they_accept()
    {
        var random = new Random(1234);
        var (request, response, confirm) = RealHandshake();
        byte[] sealedPacket = Convert.FromHexString("1100000007" + "0102030405060708" + "aabbccdd");
        byte[] signal = Convert.FromHexString("0105416c696365");
        var buffer = new byte[2048];
        int accepted = 0;

        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(random, request);
            if (KeyRequest.TryRead(input, out var kr))
            {
                accepted++;
                Assert.Equal(input, buffer[..KeyRequest.Write(kr, buffer)]);
            }

            input = Mutate(random, response);
            if (KeyResponse.TryRead(input, out var ks))
            {
                accepted++;
                Assert.Equal(input, buffer[..KeyResponse.Write(ks, buffer)]);
            }

            input = Mutate(random, confirm);
            if (KeyConfirm.TryRead(input, out var kc))
            {
                accepted++;
                Assert.Equal(input, buffer[..KeyConfirm.Write(kc, buffer)]);
            }

            input = Mutate(random, sealedPacket);
            if (SealedPacket.TryRead(input, out var sp))
            {
                accepted++;
                Assert.Equal(input.Length, SealedPacket.Overhead + sp.Ciphertext.Length);
            }

            input = Mutate(random, signal);
            if (SignalMessage.TryRead(input, out var sm))
            {
                accepted++;
                Assert.Equal(input, buffer[..SignalMessage.Write(sm, buffer)]);
            }

            input = Mutate(random, request[(KeyRequest.EphemeralLengthOffset + 2)..][..P256Spki.Size]);
            if (P256Spki.IsValid(input))
            {
                accepted++;
                Assert.Equal(91, input.Length);
            }
        }

        Assert.True(accepted > Iterations / 10, $"only {accepted} mutants parsed: the mutator is too destructive");
    }

    [Fact]
    public void Handle_never_throws_and_accounts_for_every_input()
    {
        var options = new SessionOptions { KeyRequestBurst = 1_000_000, KeyRequestsPerSecondPerSource = 1_000_000 };
        using var pair = new SessionPair(options, seed: 99);
        var (atA, atB) = pair.Establish();
        Assert.True(atA.TrySendMedia(new byte[80]));
        Assert.True(atA.TrySendSignal(SignalKind.Invite, "fuzz"));
        pair.Network.Drop = _ => true;
        Assert.True(atA.TrySendMedia(new byte[40]));
        Assert.True(atA.TrySendSignal(SignalKind.Hangup, "bye"));
        Assert.True(atB.TrySendMedia(new byte[60]));
        pair.Network.Drop = null;
        pair.Network.Pump();
        var samples = pair.Network.Log.Select(d => d.Data).ToArray();
        pair.Network.Muted = true;

        var random = new Random(4321);
        var other = PeerEndpoint.Parse("10.7.7.7:7777");
        long Accounted(SessionLayer layer, DropCounters drops) =>
            drops.Total + layer.Counters.PacketsOpened + layer.Counters.HandshakeMessagesAccepted;

        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(random, samples[random.Next(samples.Length)]);
            bool toB = random.Next(2) == 0;
            var layer = toB ? pair.B : pair.A;
            var drops = toB ? pair.DropsB : pair.DropsA;
            var from = random.Next(8) == 0 ? other : toB ? SessionPair.EndpointA : SessionPair.EndpointB;
            long before = Accounted(layer, drops);
            layer.Handle(input, from);
            Assert.True(Accounted(layer, drops) > before, $"input {i} ({Convert.ToHexString(input)}) was neither accepted nor counted");
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {stopwatch.Elapsed}");
        Assert.True(pair.DropsA[DropReason.AuthenticationFailed] + pair.DropsB[DropReason.AuthenticationFailed] > 0);
        Assert.True(pair.DropsA[DropReason.Malformed] + pair.DropsB[DropReason.Malformed] > 0);
        Assert.True(pair.DropsB[DropReason.HandshakeRejected] > 0);
        Assert.True(pair.DropsA[DropReason.Replayed] + pair.DropsB[DropReason.Replayed] > 0);
    }
}
