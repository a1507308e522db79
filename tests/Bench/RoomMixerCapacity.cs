using System.Diagnostics;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Bench;

/// <summary>
/// The room server's per-tick work for M members of one room, without sockets: what it does on
/// each member's frame (open the UDP datagram with the member's channel, parse, queue it in the
/// <see cref="AudioMixer"/>) and every 32 ms (<see cref="AudioMixer.Tick"/>, then for each member
/// <see cref="AudioMixer.WriteMix"/>, the packet header and the seal with its UDP channel into a
/// new datagram, as RoomServer.Tick and SendUdp do). The largest M whose tick fits in 32 ms on one
/// core is the mixer's capacity. The socket calls (one recvfrom and one sendto per member per
/// tick) are left out here; the loopback rows of <see cref="RoomBench"/> include them.
/// </summary>
/// <remarks>
/// The mixer is sized for M (the server sizes it for RoomServerLimits.MaxMembersPerRoom, 128) up
/// to what one sealed mix can carry (<see cref="MaxMembers"/>). Each size is timed as the median
/// of 7 ticks after 3 warm-up ticks; the clients' sealing of the frames is done between ticks and
/// not timed.
/// </remarks>
internal static class RoomMixerCapacity
{
    private const int WarmUpTicks = 3;
    private const int MeasuredTicks = 7;

    /// <summary>
    /// The most members whose mix still fits a UDP datagram: the sealed inner packet (header, 1,024
    /// bytes, a tag per other member, then the MAC and the 8-byte counter) is the outer packet's
    /// payload, at most <see cref="RoomPacket.MaxPayloadLength"/>. That is 6 fewer than
    /// <see cref="AudioFrame.MaxTags"/> + 1, which counts the mix alone.
    /// </summary>
    public static readonly int MaxMembers =
        ((RoomPacket.MaxPayloadLength - Sodium.MacSize - SecureChannel.CounterSize - RoomPacket.HeaderSize - AudioFrame.SamplesSize) / AudioTag.Size) + 1;

    private static double BudgetMs => AudioMixer.FrameInterval.TotalMilliseconds;

    public static void Run(Table table)
    {
        foreach (int members in new[] { 8, 32, 128, 1_000 })
        {
            double ms = TickMs(members);
            table.Row($"rooms mixer: one tick for {members} members (open, queue, mix, seal)", $"{ms:F3}", "ms", "< 32");
            table.Row($"rooms mixer: CPU per member at {members} members", $"{ms / BudgetMs * 100 / members:F4}", "% of a core", "PicoTalk (Python) ~0.5");
        }

        // Largest M in [1, MaxMembers] whose tick fits in the budget (tick time grows with M).
        int lo = 1;
        int hi = MaxMembers;
        if (TickMs(hi) <= BudgetMs)
        {
            lo = hi;
        }

        while (lo < hi - 1)
        {
            int mid = (lo + hi) / 2;
            if (TickMs(mid) <= BudgetMs)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        string capped = lo == MaxMembers ? $" (the most one datagram can carry: {MaxMembers})" : string.Empty;
        table.Row($"rooms mixer: most members one core mixes within 32 ms{capped}", $"{lo}", "members", ">= 1,000; PicoTalk ~60");
        table.Note($"the server itself caps a room at {RoomServerLimits.MaxMembersPerRoom} members (RoomServerLimits.MaxMembersPerRoom)");
    }

    /// <summary>Median time of the server's work for one tick of <paramref name="members"/> members.</summary>
    public static double TickMs(int members)
    {
        var rig = new Rig(members);
        var times = new double[MeasuredTicks];
        for (int t = 0; t < WarmUpTicks + MeasuredTicks; t++)
        {
            rig.SealFrames();
            long start = Stopwatch.GetTimestamp();
            rig.ServerTick();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (t >= WarmUpTicks)
            {
                times[t - WarmUpTicks] = ms;
            }
        }

        rig.Dispose();
        Array.Sort(times);
        return times[MeasuredTicks / 2];
    }

    /// <summary>M members' frames and both ends of each member's UDP channel (channel 2 of PICOTALK.md "Framing").</summary>
    private sealed class Rig : IDisposable
    {
        private readonly int _members;
        private readonly AudioMixer _mixer;
        private readonly SecureChannel[] _clients;
        private readonly SecureChannel[] _server;
        private readonly byte[][] _datagrams;
        private readonly int[] _lengths;
        private readonly byte[] _inner = new byte[RoomPacket.MaxPacketSize];
        private readonly byte[] _mixBuffer;

        public Rig(int members)
        {
            _members = members;
            _mixer = new AudioMixer(members);
            _mixBuffer = new byte[RoomPacket.HeaderSize + _mixer.MaxMixSize];
            _clients = new SecureChannel[members];
            _server = new SecureChannel[members];
            _datagrams = new byte[members][];
            _lengths = new int[members];
            var key = new byte[SecureChannel.KeySize];
            for (int i = 0; i < members; i++)
            {
                Random.Shared.NextBytes(key);
                _clients[i] = new SecureChannel(key, ChannelKind.Udp, ChannelRole.Initiator);
                _server[i] = new SecureChannel(key, ChannelKind.Udp, ChannelRole.Responder);
                _datagrams[i] = new byte[RoomDatagram.MaxSize];
                _mixer.AddPeer(PeerId(i));
            }
        }

        /// <summary>Each member's next frame as it would arrive: a client frame (random samples, own tag) in an AudioFrame packet, sealed.</summary>
        public void SealFrames()
        {
            Span<byte> inner = stackalloc byte[RoomPacket.HeaderSize + AudioFrame.ClientFrameSize];
            for (int i = 0; i < _members; i++)
            {
                Random.Shared.NextBytes(inner);
                RoomPacket.WriteHeader(RoomPacketType.AudioFrame, PeerId(i), RoomMembership.Server, AudioFrame.ClientFrameSize, inner);
                new AudioTag(PeerId(i), 1).Write(inner[(RoomPacket.HeaderSize + AudioFrame.SamplesSize)..]);
                int payload = _clients[i].Seal(inner, _datagrams[i].AsSpan(RoomDatagram.HeaderSize));
                RoomDatagram.WriteHeader((uint)i + 1, RoomPacketType.Binary, 0, 0, payload, _datagrams[i]);
                _lengths[i] = RoomDatagram.HeaderSize + payload;
            }
        }

        public void ServerTick()
        {
            for (int i = 0; i < _members; i++)
            {
                if (!RoomDatagram.TryRead(_datagrams[i].AsSpan(0, _lengths[i]), out _, out var outer, out _)
                    || !_server[i].TryOpen(outer.Payload, _inner, out int length)
                    || !RoomPacket.TryReadWhole(_inner.AsSpan(0, length), out var packet, out _)
                    || _mixer.Enqueue(packet.Src, packet.Payload) != AudioEnqueueResult.Queued)
                {
                    throw new InvalidOperationException($"member {i}'s frame was not queued");
                }
            }

            _mixer.Tick();
            for (int i = 0; i < _members; i++)
            {
                ushort id = PeerId(i);
                int size = _mixer.WriteMix(id, _mixBuffer.AsSpan(RoomPacket.HeaderSize));
                RoomPacket.WriteHeader(RoomPacketType.AudioFrame, RoomMembership.Server, id, size, _mixBuffer);
                var inner = _mixBuffer.AsSpan(0, RoomPacket.HeaderSize + size);
                var datagram = new byte[RoomDatagram.HeaderSize + inner.Length + _server[i].Overhead];
                int payload = _server[i].Seal(inner, datagram.AsSpan(RoomDatagram.HeaderSize));
                RoomDatagram.WriteHeader((uint)i + 1, RoomPacketType.Binary, 0, 0, payload, datagram);
            }
        }

        public void Dispose()
        {
            for (int i = 0; i < _members; i++)
            {
                _clients[i].Dispose();
                _server[i].Dispose();
            }
        }

        private static ushort PeerId(int index) => (ushort)(RoomMembership.FirstPeer + index);
    }
}
