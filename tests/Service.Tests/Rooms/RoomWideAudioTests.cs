using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7, wide lanes on our RoomServer: members of ours at full scale hear the exact sum where a
/// PicoTalk room wraps it into noise, and a PicoTalk member in the room still hears and is heard.
/// </summary>
public sealed class RoomWideAudioTests
{
    /// <summary>A full-scale tone at DFT bin <paramref name="bin"/>.</summary>
    internal static short[] FullScale(int bin) => RoomTestHarness.Tone(bin, short.MaxValue);

    internal static async Task<RoomClientSession> JoinAsync(RoomTestHarness harness, string room, string name, RoomExtensions extensions = RoomExtensions.All)
    {
        var client = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, room, "pw", name) with { Extensions = extensions });
        Assert.Equal(RoomClientState.Authenticated, await client.Settled.WaitAsync(RoomTestHarness.Deadline));
        return client;
    }

    /// <summary>Three members at full-scale overlapping tones; what member 0 decodes when it hears the other two.</summary>
    private static async Task<(short[] Played, int[]? Exact, RoomClientSession Listener)> HearTwoFullScaleTones(RoomTestHarness harness, RoomExtensions extensions)
    {
        var members = new List<RoomClientSession>();
        for (int i = 0; i < 3; i++)
        {
            members.Add(await JoinAsync(harness, "loud", $"m{i}", extensions));
        }

        var heard = new TaskCompletionSource<(short[], int[]?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        int[]? exact = null;
        members[0].WideAudioReceived += (sum, senders) => exact = senders.Count == 2 ? sum.ToArray() : null;
        members[0].AudioReceived += (samples, senders) =>
        {
            if (senders.Count == 2)
            {
                heard.TrySetResult((samples.ToArray(), exact));
            }
        };
        for (int i = 0; i < 3; i++)
        {
            var tone = FullScale(8 + (6 * i));
            members[i].AudioSource = () => tone;
        }

        var (played, wide) = await heard.Task.WaitAsync(RoomTestHarness.Deadline);
        return (played, wide, members[0]);
    }

    /// <summary>Share of a frame's energy outside the two tones' bins (Parseval: Σx² = (2/N)·Σ|X_k|² over k = 1..N/2−1 for a real frame with no DC or Nyquist).</summary>
    private static double EnergyOutsideTones(short[] frame)
    {
        double total = frame.Sum(x => (double)x * x);
        double tones = 0;
        foreach (int bin in new[] { 14, 20 })
        {
            double m = RoomTestHarness.BinMagnitude(frame, bin);
            tones += 2 * m * m / frame.Length;
        }

        return 1 - (tones / total);
    }

    [Fact]
    public async Task Members_of_ours_hear_the_unwrapped_sum_where_a_PicoTalk_room_wraps()
    {
        short[] b = FullScale(14), c = FullScale(20);
        int[] truth = [.. Enumerable.Range(0, 512).Select(i => b[i] + c[i])];
        Assert.Contains(truth, s => s > short.MaxValue || s < short.MinValue);

        await using (var harness = new RoomTestHarness())
        {
            var (played, exact, listener) = await HearTwoFullScaleTones(harness, RoomExtensions.All);
            Assert.NotNull(exact);
            Assert.Equal(truth, exact); // exact, past int16
            Assert.Equal(truth.Select(s => (short)Math.Clamp(s, short.MinValue, short.MaxValue)), played); // clipped, not wrapped
            Assert.True(listener.VerifiedMixes > 0 && listener.IntegrityFailures == 0, $"{listener.VerifiedMixes} verified, {listener.IntegrityFailures} failed");
            double outside = EnergyOutsideTones(played);
            Assert.True(outside < 0.10, $"wide: {outside:P1} of the energy outside the tones");
        }

        await using (var harness = new RoomTestHarness())
        {
            var (played, exact, listener) = await HearTwoFullScaleTones(harness, RoomExtensions.None);
            Assert.Null(exact);
            Assert.Equal(truth.Select(s => unchecked((short)s)), played); // PicoTalk: mod 2^16
            Assert.True(listener.UnverifiedMixes > 0 && listener.VerifiedMixes == 0);
            double outside = EnergyOutsideTones(played);
            Assert.True(outside > 0.25, $"narrow: only {outside:P1} of the energy outside the tones (expected wrap noise)");
        }
    }

    [Fact]
    public async Task A_PicoTalk_member_in_the_room_hears_and_is_heard_through_narrow_mixes()
    {
        await using var harness = new RoomTestHarness();
        var members = new[]
        {
            await JoinAsync(harness, "mixed", "ours-a"),
            await JoinAsync(harness, "mixed", "ours-b"),
            await JoinAsync(harness, "mixed", "plain", RoomExtensions.None),
        };
        Assert.True(members[0].WideAudio && members[1].WideAudio && !members[2].WideAudio);
        var heard = members.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (int i = 0; i < 3; i++)
        {
            int own = i;
            members[i].AudioReceived += (samples, senders) =>
            {
                if (senders.Count == 2 && Enumerable.Range(0, 3).All(j =>
                    (j == own) == (RoomTestHarness.BinMagnitude(samples, 8 + (6 * j)) < 3000 * 256 * 0.01)))
                {
                    heard[own].TrySetResult();
                }
            };
            var tone = RoomTestHarness.Tone(8 + (6 * i));
            members[i].AudioSource = () => tone;
        }

        await Task.WhenAll(heard.Select(h => h.Task)).WaitAsync(RoomTestHarness.Deadline);

        // Members of ours get PicoTalk mixes (the plain member's frame is narrow): played, unverified.
        Assert.All(members, m => Assert.True(m.UnverifiedMixes > 0, $"{m.UserId}: {m.UnverifiedMixes} unverified"));
        Assert.All(members, m => Assert.Equal(0, m.IntegrityFailures));
        Assert.Equal(0, members[2].VerifiedMixes);
    }
}
