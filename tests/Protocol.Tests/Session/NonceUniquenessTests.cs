using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>
/// The reference code's worst defect was GCM nonce reuse (DESIGN.md). Property: over many sessions,
/// rekeys and thousands of packets in both directions and both channels, no (key, nonce) pair is
/// ever sealed twice, and every packet still opens.
/// </summary>
public sealed class NonceUniquenessTests
{
    [Fact]
    public void No_key_nonce_pair_ever_repeats()
    {
        var seen = new HashSet<string>();
        var streamIndexes = new HashSet<byte>();
        int seals = 0;
        void Audit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
        {
            Assert.Equal(12, nonce.Length);
            Assert.True(nonce[1..8].IndexOfAnyExcept((byte)0) < 0);
            streamIndexes.Add(nonce[0]);
            Assert.True(seen.Add(Convert.ToHexString(key) + "/" + Convert.ToHexString(nonce)), "a (key, nonce) pair repeated");
            seals++;
        }

        var random = new Random(11);
        var options = new SessionOptions { RekeyAfterPackets = 150, SequenceLimit = 1000 };
        for (int sessionIndex = 0; sessionIndex < 8; sessionIndex++)
        {
            using var pair = new SessionPair(options, seed: sessionIndex);
            pair.A.SealAudit = Audit;
            pair.B.SealAudit = Audit;
            var (atA, atB) = pair.Establish();
            int sentA = 0, sentB = 0, signalsA = 0, signalsB = 0;
            for (int step = 0; step < 60; step++)
            {
                for (int i = 0; i < 8; i++)
                {
                    var from = random.Next(2) == 0 ? atA : atB;
                    if (random.Next(5) == 0)
                    {
                        Assert.True(from.TrySendSignal(SignalKind.Ringing));
                        if (from == atA) signalsA++; else signalsB++;
                    }
                    else
                    {
                        Assert.True(from.TrySendMedia(new byte[random.Next(1, 100)]));
                        if (from == atA) sentA++; else sentB++;
                    }
                }

                pair.Step(TimeSpan.FromMilliseconds(50));
            }

            Assert.Equal(sentA, pair.ObserverB.Media.Count);
            Assert.Equal(sentB, pair.ObserverA.Media.Count);
            Assert.Equal(signalsA, pair.ObserverB.Signals.Count);
            Assert.Equal(signalsB, pair.ObserverA.Signals.Count);
            Assert.True(atA.Rekeys >= 1);
        }

        Assert.True(seals > 3000, $"only {seals} packets sealed");
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, streamIndexes.Order().ToArray());
    }
}
