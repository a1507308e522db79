using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Bench;

/// <summary>
/// N members in one room, each a real <see cref="RoomClientSession"/> (handshake, join, UDP check,
/// pairwise password exchange, encrypted audio) that sends one encrypted frame for every mix it
/// receives, as a PicoTalk client does, so the room runs at the server's 31.25 mixes a second.
/// </summary>
/// <remarks>
/// To keep 128 clients light enough for this 2-core machine (the clients' cost is not what is
/// measured), only the first member exchanges passwords with everyone; the others are joined with
/// the <c>IgnorePeers</c> hook, so each of them knows only the first member's audio key and drops
/// its mixes after one key stream (counted as lost, cheaply) instead of decrypting N-1 key streams.
/// The server cannot tell: every member is authenticated (the first member vouches for each),
/// sends a 1,030-byte frame per mix and gets a mix with every other sender's tag. The first member
/// decrypts every mix in full; the tags it counts show how many frames each mix held.
/// </remarks>
internal sealed class RoomLoad : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly short[] Tone = MakeTone();

    private readonly List<RoomClientSession> _members = [];
    private long[] _mixes = [];
    private long _firstMemberMixes;
    private long _firstMemberFrames;

    public int Count => _members.Count;

    public static async Task<RoomLoad> JoinAsync(int tcpPort, RoomTransport transport, int members, string room)
    {
        var load = new RoomLoad { _mixes = new long[members] };
        try
        {
            for (int i = 0; i < members; i++)
            {
                var session = await RoomClientSession.ConnectAsync(
                    new RoomClientOptions { Host = "127.0.0.1", Port = tcpPort, Transport = transport, RoomName = room, Password = "bench", UserName = $"member{i}" },
                    CancellationToken.None).WaitAsync(Deadline);
                load._members.Add(session);
                // Joins are one at a time, so nobody joins before this is set.
                session.IgnorePeers = i > 0;
                if (await session.Settled.WaitAsync(Deadline) != RoomClientState.Authenticated)
                {
                    throw new InvalidOperationException($"member {i} of {members} was not authenticated: {session.State}");
                }

                if (transport == RoomTransport.Udp && !session.AudioOverUdp)
                {
                    throw new InvalidOperationException($"member {i} of {members} failed the UDP check");
                }

                int index = i;
                session.AudioSource = () =>
                {
                    Interlocked.Increment(ref load._mixes[index]);
                    return Tone;
                };
                if (i == 0)
                {
                    session.AudioReceived += (_, senders) =>
                    {
                        Interlocked.Increment(ref load._firstMemberMixes);
                        Interlocked.Add(ref load._firstMemberFrames, senders.Count);
                    };
                }
            }

            return load;
        }
        catch
        {
            await load.DisposeAsync();
            throw;
        }
    }

    /// <summary>Mixes every member has received so far, and the first member's decoded mixes and the frames they held.</summary>
    public (long Mixes, long FirstMixes, long FirstFrames) Counters() =>
        (_mixes.Sum(), Interlocked.Read(ref _firstMemberMixes), Interlocked.Read(ref _firstMemberFrames));

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }
    }

    private static short[] MakeTone()
    {
        var frame = new short[AudioKeystream.SamplesPerFrame];
        for (int n = 0; n < frame.Length; n++)
        {
            frame[n] = (short)(3000 * Math.Sin(2 * Math.PI * 20 * n / frame.Length));
        }

        return frame;
    }
}
