using System.Collections.Concurrent;
using System.Text;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Issue 7 "Done when": three and eight clients in one room over TCP, UDP and WebSocket; every
/// member hears the others' tones and not its own (by FFT), chat arrives end to end, and the server
/// never read nor decrypted a member's plaintext samples or chat text.
/// </summary>
public sealed class RoomServerAudioTests
{
    private const double ToneAmplitude = 3000;

    /// <summary>A tone's full magnitude in its bin: amplitude × N / 2.</summary>
    private const double FullBin = ToneAmplitude * 512 / 2;

    [Theory]
    [InlineData(RoomTransport.Tcp)]
    [InlineData(RoomTransport.WebSocket)]
    public async Task MembersJoiningAtOnceAllVerifyEachOtherAndHearEveryone(RoomTransport transport)
    {
        const int Count = 6;
        await using var harness = new RoomTestHarness();
        var clients = await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
            harness.JoinAsync(harness.Options(transport, "rush", "pw", $"r{i}"))));
        foreach (var client in clients)
        {
            Assert.Equal(RoomClientState.Authenticated, await client.Settled.WaitAsync(RoomTestHarness.Deadline));
        }

        var heard = clients.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (int i = 0; i < Count; i++)
        {
            var tone = RoomTestHarness.Tone(8 + (6 * i), ToneAmplitude);
            var done = heard[i];
            int own = i;
            clients[i].AudioReceived += (samples, senders) =>
            {
                if (senders.Count == Count - 1 && Enumerable.Range(0, Count).All(j =>
                    (j == own) == (RoomTestHarness.BinMagnitude(samples, 8 + (6 * j)) < FullBin * 0.01)))
                {
                    done.TrySetResult();
                }
            };
            clients[i].AudioSource = () => tone;
        }

        await Task.WhenAll(heard.Select(h => h.Task)).WaitAsync(RoomTestHarness.Deadline);
        Assert.All(clients, c => Assert.Equal(Count - 1, c.Members.Count(m => m.Verified && !m.WrongPassword)));
    }

    [Theory]
    [InlineData(RoomTransport.Tcp, 3)]
    [InlineData(RoomTransport.Udp, 3)]
    [InlineData(RoomTransport.WebSocket, 3)]
    [InlineData(RoomTransport.Tcp, 8)]
    [InlineData(RoomTransport.Udp, 8)]
    [InlineData(RoomTransport.WebSocket, 8)]
    public async Task EveryMemberHearsTheOthersNotItself_ChatArrives_ServerSeesNoPlaintext(RoomTransport transport, int count)
    {
        await using var harness = new RoomTestHarness();
        var clients = new List<RoomClientSession>();
        var tones = new List<short[]>();
        var heard = new List<TaskCompletionSource<(short[] Samples, ushort[] Senders)>>();
        for (int i = 0; i < count; i++)
        {
            // Joined one after the other: each newcomer is vouched for before the next arrives.
            var client = await harness.JoinAsync(harness.Options(transport, "hall", "correct horse", $"member{i}"));
            Assert.Equal(RoomClientState.Authenticated, await client.Settled.WaitAsync(RoomTestHarness.Deadline));
            Assert.Equal(transport == RoomTransport.Udp, client.AudioOverUdp);
            clients.Add(client);
            tones.Add(RoomTestHarness.Tone(8 + (6 * i), ToneAmplitude));
            heard.Add(new TaskCompletionSource<(short[], ushort[])>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        for (int i = 0; i < count; i++)
        {
            var done = heard[i];
            var tone = tones[i];
            clients[i].AudioReceived += (samples, senders) =>
            {
                if (senders.Count == count - 1)
                {
                    done.TrySetResult((samples.ToArray(), senders.ToArray()));
                }
            };
            clients[i].AudioSource = () => tone;
        }

        string chat = $"hello room {Guid.NewGuid():N}";
        var chats = new ConcurrentBag<(int To, ushort From, string Text)>();
        for (int i = 1; i < count; i++)
        {
            int to = i;
            clients[i].ChatReceived += (from, text) => chats.Add((to, from, text));
        }

        var all = await Task.WhenAll(heard.Select(h => h.Task)).WaitAsync(RoomTestHarness.Deadline);
        for (int i = 0; i < count; i++)
        {
            var (samples, senders) = all[i];
            Assert.DoesNotContain(clients[i].UserId, senders);
            for (int j = 0; j < count; j++)
            {
                double magnitude = RoomTestHarness.BinMagnitude(samples, 8 + (6 * j));
                if (j == i)
                {
                    Assert.True(magnitude < FullBin * 0.01, $"member {i} hears itself: {magnitude:F0} of {FullBin:F0}");
                }
                else
                {
                    Assert.True(magnitude > FullBin * 0.9, $"member {i} hears member {j} at {magnitude:F0} of {FullBin:F0}");
                }
            }
        }

        // Members of ours on our server: every mix was wide and passed its integrity check.
        Assert.All(clients, c => Assert.True(c.VerifiedMixes > 0 && c.UnverifiedMixes == 0 && c.IntegrityFailures == 0,
            $"{c.UserId}: {c.VerifiedMixes} verified, {c.UnverifiedMixes} unverified, {c.IntegrityFailures} altered"));

        Assert.Equal(count - 1, clients[0].SendChat(chat));
        var deadline = DateTime.UtcNow + RoomTestHarness.Deadline;
        while (chats.Count < count - 1 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.Equal(count - 1, chats.Count(c => c.From == clients[0].UserId && c.Text == chat));

        // The tap saw at least every member's audio frame, so the scan below has something to scan.
        Assert.True(harness.ServerBytesSeen > count * AudioFrame.ClientFrameSize, $"the tap saw only {harness.ServerBytesSeen} bytes");
        Assert.False(harness.ServerSaw(Encoding.UTF8.GetBytes(chat)), "the server saw the chat text");
        foreach (var tone in tones)
        {
            // 32 samples from a quarter period in: no zero run, distinctive.
            Assert.False(harness.ServerSaw(RoomTestHarness.Bytes(tone).AsSpan(16, 64)), "the server saw plaintext samples");
        }
    }
}
