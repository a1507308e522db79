using System.Buffers.Binary;
using System.Collections.Concurrent;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;
using static PicoTalk.Service.Tests.Rooms.RoomWideAudioTests;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7 "Done when": a server that adds a signal to the mix is detected by members of ours, and
/// a member that left cannot decrypt audio sent after it left (KeyRotation).
/// </summary>
public sealed class RoomMixIntegrityTests
{
    private const int InjectedBin = 40;

    /// <summary>A tone's full magnitude in its bin at the harness's default amplitude: 3000 × N / 2.</summary>
    private const double FullBin = 3000 * 512 / 2;

    private static async Task<bool> Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    [Fact]
    public async Task A_server_that_adds_a_tone_to_one_members_mixes_is_caught_by_that_member_only()
    {
        await using var harness = new RoomTestHarness();
        var a = await JoinAsync(harness, "watched", "a");
        var b = await JoinAsync(harness, "watched", "b");
        var c = await JoinAsync(harness, "watched", "c");
        var warnings = new ConcurrentQueue<string>();
        a.Warning += warnings.Enqueue;
        var playedInjected = 0;
        long playedAfter = 0;
        bool tampering = false;
        a.AudioReceived += (samples, _) =>
        {
            if (Volatile.Read(ref tampering))
            {
                Interlocked.Increment(ref playedAfter);
            }

            if (RoomTestHarness.BinMagnitude(samples, InjectedBin) > FullBin * 0.01)
            {
                Interlocked.Increment(ref playedInjected);
            }
        };
        var members = new[] { a, b, c };
        for (int i = 0; i < 3; i++)
        {
            var tone = RoomTestHarness.Tone(8 + (6 * i));
            members[i].AudioSource = () => tone;
        }

        Assert.True(await Until(() => members.All(m => m.VerifiedMixes > 5)), "members of ours verify honest mixes");
        Assert.All(members, m => Assert.Equal(0, m.IntegrityFailures));

        // The server adds a tone (at a third of the members' level) to every wide mix it sends a.
        ushort target = a.UserId;
        short[] injected = RoomTestHarness.Tone(InjectedBin, 1000);
        harness.Server.MixTamper = (peerId, wide, payload) =>
        {
            if (peerId == target && wide)
            {
                for (int i = 0; i < 512; i++)
                {
                    var lane = payload.Slice(4 * i, 4);
                    BinaryPrimitives.WriteUInt32LittleEndian(lane, unchecked(BinaryPrimitives.ReadUInt32LittleEndian(lane) + (uint)injected[i]));
                }
            }
        };
        long verifiedBefore = a.VerifiedMixes;
        Volatile.Write(ref tampering, true);
        Assert.True(await Until(() => a.IntegrityFailures >= 20), $"a counted {a.IntegrityFailures} altered mixes");
        Assert.True(await Until(() => b.VerifiedMixes > 40 && c.VerifiedMixes > 40), "b and c keep verifying");
        harness.Server.MixTamper = null;

        Assert.Equal(0, playedInjected); // nothing of the injected tone was played
        Assert.True(a.VerifiedMixes - verifiedBefore <= 3, $"a verified {a.VerifiedMixes - verifiedBefore} mixes while every one was altered (a few were in flight)");
        Assert.True(Interlocked.Read(ref playedAfter) <= 3, $"a played {playedAfter} mixes while every one was altered");
        Assert.Contains(RoomClientSession.AlteredMixWarning, warnings);
        Assert.Equal(0, b.IntegrityFailures);
        Assert.Equal(0, c.IntegrityFailures);

        // With the server honest again, a verifies again.
        long failures = a.IntegrityFailures;
        Assert.True(await Until(() => a.VerifiedMixes > verifiedBefore + 10), "a verifies once the server stops");
        Assert.InRange(a.IntegrityFailures - failures, 0, 3);
    }

    /// <summary>What the leaver can make of a captured wide mix with the keys it kept: its best try (the sender's newest key it knew).</summary>
    private static int[] DecryptWith(IReadOnlyList<(ushort PeerId, byte Epoch, byte[] Key)> keys, byte[] mix, bool byTagEpoch)
    {
        Assert.True(WideAudioFrame.TryRead(mix, out int tags));
        var lanes = new uint[512];
        for (int i = 0; i < 512; i++)
        {
            lanes[i] = BinaryPrimitives.ReadUInt32LittleEndian(mix.AsSpan(4 * i));
        }

        for (int t = 0; t < tags; t++)
        {
            var tag = WideAudioFrame.TagAt(mix, t);
            var known = keys.Where(k => k.PeerId == tag.PeerId && (!byTagEpoch || k.Epoch == tag.Epoch)).OrderByDescending(k => k.Epoch).First();
            WideKeystream.Subtract(lanes, known.Key, tag.PeerId, tag.Nonce);
        }

        return [.. lanes.Select(l => unchecked((int)l))];
    }

    /// <summary>Normalized correlation of a decrypted frame with a tone.</summary>
    private static double Correlation(int[] x, short[] tone)
    {
        double dot = 0, xx = 0, tt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * tone[i];
            xx += (double)x[i] * x[i];
            tt += (double)tone[i] * tone[i];
        }

        return dot / Math.Sqrt((xx * tt) + 1);
    }

    /// <summary>Share of a frame's energy in DFT bin <paramref name="bin"/> (Parseval, real frame: 2|X_k|²/N).</summary>
    private static double BinShare(int[] x, int bin)
    {
        double re = 0, im = 0, energy = 0;
        for (int n = 0; n < x.Length; n++)
        {
            double angle = 2 * Math.PI * bin * n / x.Length;
            re += x[n] * Math.Cos(angle);
            im -= x[n] * Math.Sin(angle);
            energy += (double)x[n] * x[n];
        }

        return 2 * ((re * re) + (im * im)) / x.Length / energy;
    }

    private static short[] Clip(int[] x) => [.. x.Select(v => (short)Math.Clamp(v, short.MinValue, short.MaxValue))];

    [Fact]
    public async Task A_member_that_left_cannot_decrypt_what_is_sent_after_it_left()
    {
        await using var harness = new RoomTestHarness();
        var a = await JoinAsync(harness, "rotate", "a");
        var b = await JoinAsync(harness, "rotate", "b");
        var leaver = await RoomClientSession.ConnectAsync(harness.Options(RoomTransport.Tcp, "rotate", "pw", "c"), CancellationToken.None).WaitAsync(RoomTestHarness.Deadline);
        var aMixes = new ConcurrentQueue<byte[]>();
        a.MixTap = (type, payload) =>
        {
            if (type == RoomPacketType.WideAudioFrame)
            {
                aMixes.Enqueue(payload);
            }
        };
        short[] toneA = RoomTestHarness.Tone(8), toneB = RoomTestHarness.Tone(14), toneC = RoomTestHarness.Tone(20);
        IReadOnlyList<(ushort PeerId, byte Epoch, byte[] Key)> known = [];
        int[] heardBefore = [];
        try
        {
            Assert.Equal(RoomClientState.Authenticated, await leaver.Settled.WaitAsync(RoomTestHarness.Deadline));
            a.AudioSource = () => toneA;
            b.AudioSource = () => toneB;
            leaver.AudioSource = () => toneC;
            Assert.True(await Until(() => aMixes.Any(m => WideAudioFrame.TryRead(m, out int n) && n == 2)), "a hears b and c");
            Assert.True(await Until(() => leaver.KnownAudioKeys.Count == 3), "c holds a's, b's and its own key");

            // Control: with what it knows, c decrypts a's mix (b's and c's frames) while it is in the room.
            known = leaver.KnownAudioKeys; // the test keeps every key c knew
            byte[] before = aMixes.Last(m => WideAudioFrame.TryRead(m, out int n) && n == 2);
            heardBefore = DecryptWith(known, before, byTagEpoch: true);
            Assert.True(RoomTestHarness.BinMagnitude(Clip(heardBefore), 14) > FullBin * 0.9, "control: c's keys decrypt b's audio before c left");
            Assert.True(Correlation(heardBefore, toneB) > 0.5);
        }
        finally
        {
            await leaver.DisposeAsync();
        }

        // a and b rotate; the mixes a receives from then on carry b's epoch 1, which c never got.
        Assert.True(await Until(() => a.KeyEpoch == 1 && b.KeyEpoch == 1), $"epochs a {a.KeyEpoch}, b {b.KeyEpoch}");
        var heardAfter = new TaskCompletionSource<short[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.AudioReceived += (samples, senders) =>
        {
            if (senders.Count == 1 && RoomTestHarness.BinMagnitude(samples, 14) > FullBin * 0.9)
            {
                heardAfter.TrySetResult(samples.ToArray());
            }
        };
        Assert.True(await Until(() => aMixes.Any(m => WideAudioFrame.TryRead(m, out int n) && n == 1 && WideAudioFrame.TagAt(m, 0).Epoch == 1)), "b's frames under its new key");
        Assert.True(await Until(() => heardAfter.Task.IsCompleted), $"a hears b after the rotation (a: {a.VerifiedMixes} verified, {a.LostFrames} lost, {a.IntegrityFailures} failed)"); // a still hears b

        byte[] after = aMixes.Last(m => WideAudioFrame.TryRead(m, out int n) && n == 1 && WideAudioFrame.TagAt(m, 0).Epoch == 1);
        int[] attempt = DecryptWith(known, after, byTagEpoch: false);
        double correlation = Correlation(attempt, toneB);
        double share = BinShare(attempt, 14);

        // Uniform 32-bit noise: correlation about ±1/√512 = ±0.044 and about 1/256 of the energy
        // in any one bin; b's tone would give correlation 1 and all of it.
        Assert.True(Math.Abs(correlation) < 0.25, $"c's keys still correlate with b's tone: {correlation:F3}");
        Assert.True(share < 0.05, $"c's keys still find b's tone: {share:P1} of the energy in its bin");
        Assert.True(BinShare(heardBefore, 14) > 0.3, "control: b's tone is a third or more of what c decrypted before it left");
        Assert.Equal(0, a.IntegrityFailures);
        Assert.Equal(0, b.IntegrityFailures);
    }
}
