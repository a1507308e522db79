using System.Diagnostics;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;
using Xunit.Abstractions;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// RoomExtensions.Cpace on our server: members of ours key their pairwise channels with CPace
/// (CpaceExchange), a plain PicoTalk-speaking member in the same room keeps PicoTalk's exchange with
/// everyone, all of them hear each other, and a wrong password under CPace is still told at once.
/// </summary>
public sealed class RoomCpaceTests(ITestOutputHelper output)
{
    private const double ToneAmplitude = 3000;
    private const double FullBin = ToneAmplitude * 512 / 2;

    /// <summary>The cheapest Argon2id libsodium takes: these tests are about the exchange, not the stretching.</summary>
    private static readonly PasswordStretchLimits Cheap = new(1, 8192);

    [Fact]
    public async Task Members_of_ours_use_CPace_a_plain_member_the_old_exchange_and_all_hear_each_other()
    {
        await using var harness = new RoomTestHarness();
        // The plain member joins third: it answers two of ours (responder) and starts the exchange
        // with the last one (initiator), so both of its roles meet a member of ours.
        bool[] ours = [true, true, false, true];
        var clients = new List<RoomClientSession>();
        for (int i = 0; i < ours.Length; i++)
        {
            var options = harness.Options(RoomTransport.Tcp, "cpace", "correct horse", $"m{i}") with
            {
                PasswordStretch = Cheap,
                Extensions = ours[i] ? RoomExtensions.All : RoomExtensions.None,
            };
            var client = await harness.JoinAsync(options);
            Assert.Equal(RoomClientState.Authenticated, await client.Settled.WaitAsync(RoomTestHarness.Deadline));
            clients.Add(client);
        }

        // Every pair has finished its exchange (each member verified every other): then look at the kinds.
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (!clients.All(c => c.Members.Count(m => m.Verified) == clients.Count - 1) && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        for (int i = 0; i < clients.Count; i++)
        {
            Assert.Equal(clients.Count - 1, clients[i].Members.Count(m => m.Verified && !m.WrongPassword));
            for (int j = 0; j < clients.Count; j++)
            {
                if (i != j)
                {
                    Assert.Equal(ours[i] && ours[j], clients[i].UsesCpaceWith(clients[j].UserId));
                }
            }
        }

        var heard = clients.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (int i = 0; i < clients.Count; i++)
        {
            int own = i;
            var done = heard[i];
            var tone = RoomTestHarness.Tone(8 + (6 * i), ToneAmplitude);
            clients[i].AudioReceived += (samples, senders) =>
            {
                // Hears each other member's tone nearly whole, and not its own.
                if (senders.Count == clients.Count - 1 && Enumerable.Range(0, clients.Count).All(j =>
                    j == own
                        ? RoomTestHarness.BinMagnitude(samples, 8 + (6 * j)) < FullBin * 0.01
                        : RoomTestHarness.BinMagnitude(samples, 8 + (6 * j)) > FullBin * 0.9))
                {
                    done.TrySetResult();
                }
            };
            clients[i].AudioSource = () => tone;
        }

        await Task.WhenAll(heard.Select(h => h.Task)).WaitAsync(RoomTestHarness.Deadline);
    }

    [Fact]
    public async Task A_wrong_password_under_CPace_is_told_within_2s()
    {
        await using var harness = new RoomTestHarness();
        var members = new List<RoomClientSession>();
        for (int i = 0; i < 2; i++)
        {
            var member = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "cpace", "right", $"m{i}") with { PasswordStretch = Cheap });
            Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
            members.Add(member);
        }

        // The intruder stretches at the real (interactive) cost: the 2 s include its Argon2id.
        long started = Stopwatch.GetTimestamp();
        var intruder = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "cpace", "wrong", "intruder") with { PasswordStretch = StretchedPassword.Interactive });
        Assert.Equal(RoomClientState.WrongPassword, await intruder.Settled.WaitAsync(TimeSpan.FromSeconds(5)));
        var told = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"wrong password told after {told.TotalMilliseconds:F0} ms (connect, Argon2id at the interactive limits, CPace, status)");
        Assert.True(told < TimeSpan.FromSeconds(2), $"told after {told.TotalMilliseconds:F0} ms");
        Assert.All(members, m => Assert.True(intruder.UsesCpaceWith(m.UserId)));
        Assert.False(intruder.SendAudio(RoomTestHarness.Tone(10)));

        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (!members.All(m => m.Members.Any(p => p.PeerId == intruder.UserId && p.WrongPassword)) && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.All(members, m => Assert.Contains(m.Members, p => p.PeerId == intruder.UserId && p.WrongPassword && !p.Verified));
        Assert.All(members, m => Assert.True(m.UsesCpaceWith(intruder.UserId)));
    }

    [Fact]
    public async Task Stretching_limits_Argon2id_refuses_fail_the_join_as_a_room_error()
    {
        // RoomController reports RoomClientException as a failed join; anything else would leave
        // its join unanswered.
        await using var harness = new RoomTestHarness();
        var options = harness.Options(RoomTransport.Tcp, "cpace", "pw", "m") with { PasswordStretch = new PasswordStretchLimits(1, 1024) };
        var e = await Assert.ThrowsAsync<RoomClientException>(() => RoomClientSession.ConnectAsync(options, CancellationToken.None));
        Assert.Contains("1024", e.Message);

        // A plain client stretches nothing, so the same limits do not matter to it.
        var plain = await harness.JoinAsync(options with { Extensions = RoomExtensions.None });
        Assert.Equal(RoomClientState.Authenticated, await plain.Settled.WaitAsync(RoomTestHarness.Deadline));
    }
}
