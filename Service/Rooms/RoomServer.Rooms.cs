using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

public sealed partial class RoomServer
{
    /// <summary>
    /// One decrypted inner packet (under the lock). Before the join only <c>{"room_id"}</c> is
    /// accepted; afterwards PICOTALK.md "Inside a room" applies. False closes the connection.
    /// </summary>
    private bool Handle(ServerRoomConnection connection, RoomPacket packet)
    {
        var room = connection.Room;
        if (room is null)
        {
            return packet.Type == RoomPacketType.Json && RoomMessage.TryParse(packet.Payload, out var join)
                && RoomId.IsWellFormed(join.RoomId) && TryJoin(connection, join.RoomId!, (join.Extensions ?? RoomExtensions.None) & RoomExtensions.All);
        }

        if (!connection.Rate.TryTake())
        {
            Counters.RateLimited++;
            return true;
        }

        // A wide frame follows the rules of PicoTalk's AudioFrame: to the mixer only, from a member
        // who is authenticated (RoomMembership.Route), never forwarded to a peer.
        var routeAs = packet.Type == RoomPacketType.WideAudioFrame ? RoomPacketType.AudioFrame : packet.Type;
        switch (room.Membership.Route(connection.PeerId, packet.Dst, routeAs))
        {
            case RouteVerdict.Forward:
                room.Members[packet.Dst].Enqueue(Packets.Make(packet.Type, connection.PeerId, packet.Dst, packet.Payload));
                break;
            case RouteVerdict.ToServer:
                ToServer(connection, room, packet);
                break;
            default:
                Counters.Dropped++;
                break;
        }

        return true;
    }

    /// <summary>Audio for the mixer, a vouch, or the transport choice.</summary>
    private void ToServer(ServerRoomConnection connection, ServerRoom room, RoomPacket packet)
    {
        if (packet.Type is RoomPacketType.AudioFrame or RoomPacketType.WideAudioFrame)
        {
            // Route let it through only for an authenticated member, which is in the mixer. Wide
            // frames only from a member that announced WideAudio (it alone is sent wide mixes).
            var result = packet.Type == RoomPacketType.AudioFrame ? room.Mixer.Enqueue(connection.PeerId, packet.Payload)
                : (connection.Extensions & RoomExtensions.WideAudio) != 0 ? room.Mixer.EnqueueWide(connection.PeerId, packet.Payload)
                : AudioEnqueueResult.Malformed;
            if (result is not (AudioEnqueueResult.Queued or AudioEnqueueResult.QueuedDroppedOldest))
            {
                Counters.Dropped++;
            }

            return;
        }

        if (packet.Type != RoomPacketType.Json || !RoomMessage.TryParse(packet.Payload, out var message))
        {
            Counters.Dropped++;
            return;
        }

        if (message.Event == RoomMessage.PeerAuthenticated && message.PeerId is { } target)
        {
            if (room.Membership.TryVouch(connection.PeerId, target))
            {
                room.Mixer.AddPeer(target);
                Broadcast(room, RoomMembership.PeerEvent(RoomMessage.PeerAuthenticated, target), except: 0);
            }
        }
        else if (message.UseUdp is { } useUdp)
        {
            connection.UseUdp = useUdp && connection.UdpEndpoint is not null;
        }
    }

    /// <summary>Steps 4-5: admit to the room (opening it if need be, within the caps) and reply with address and UDP stream.</summary>
    private bool TryJoin(ServerRoomConnection connection, string roomId, RoomExtensions extensions)
    {
        if (!_rooms.TryGetValue(roomId, out var room))
        {
            if (_rooms.Count >= RoomServerLimits.MaxRooms)
            {
                Counters.Refused++;
                _log($"rooms: refused a join, {RoomServerLimits.MaxRooms} rooms open");
                return false;
            }

            room = new ServerRoom(roomId);
            _rooms.Add(roomId, room);
            room.Ticker = _time.CreateTimer(_ => Tick(room), null, AudioMixer.FrameInterval, AudioMixer.FrameInterval);
        }

        if (room.Membership.Count >= RoomServerLimits.MaxMembersPerRoom || !room.Membership.TryJoin(out ushort peerId, out bool authenticated))
        {
            Counters.Refused++;
            CloseIfEmpty(room);
            return false;
        }

        uint streamId;
        do
        {
            streamId = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        }
        while (_streams.ContainsKey(streamId));

        connection.Room = room;
        connection.PeerId = peerId;
        connection.StreamId = streamId;
        connection.Extensions = extensions;
        _streams.Add(streamId, connection);
        connection.Enqueue(Packets.Json(RoomMembership.Server, peerId,
            new RoomMessage { UserId = peerId, UdpPort = (ushort)UdpPort, UdpStreamId = streamId, Extensions = NullIfNone(extensions) }));
        // The joiner's extensions ride on "peer_joined", so a member of ours that was here first
        // knows which exchange to start (RoomExtensions); PicoTalk clients ignore the extra key.
        Broadcast(room, RoomMembership.PeerEvent(RoomMessage.PeerJoined, peerId) with { Extensions = NullIfNone(extensions) }, except: peerId);
        room.Members.Add(peerId, connection);
        if (authenticated)
        {
            // The first member is authenticated by rule; telling it so lets our client know it has
            // nobody to prove the password to (a PicoTalk client ignores an event about itself).
            room.Mixer.AddPeer(peerId);
            connection.Enqueue(Packets.Json(RoomMembership.Server, peerId, RoomMembership.PeerEvent(RoomMessage.PeerAuthenticated, peerId)));
        }

        connection.UdpCheckTimer = _time.CreateTimer(_ => UdpCheckExpired(connection), null, RoomServerLimits.UdpCheckTimeout, Timeout.InfiniteTimeSpan);
        return true;
    }

    private static RoomExtensions? NullIfNone(RoomExtensions extensions) => extensions == RoomExtensions.None ? null : extensions;

    private void UdpCheckExpired(ServerRoomConnection connection)
    {
        lock (_gate)
        {
            if (connection.Room is not null && connection.UdpEndpoint is null)
            {
                connection.Enqueue(Packets.Json(RoomMembership.Server, connection.PeerId, new RoomMessage { UdpCheck = "failed" }));
            }
        }
    }

    /// <summary>Sends a server event (src 1) to every member but <paramref name="except"/>.</summary>
    private static void Broadcast(ServerRoom room, RoomMessage message, ushort except)
    {
        foreach (var (peerId, member) in room.Members)
        {
            if (peerId != except)
            {
                member.Enqueue(Packets.Json(RoomMembership.Server, peerId, message));
            }
        }
    }

    /// <summary>Packets waiting for any member's writer (tests pace their mixes by it, as the 32 ms timer
    /// does by time).</summary>
    internal int QueuedPackets
    {
        get
        {
            lock (_gate)
            {
                int queued = 0;
                foreach (var room in _rooms.Values)
                {
                    foreach (var member in room.Members.Values)
                    {
                        queued += member.Queued;
                    }
                }

                return queued;
            }
        }
    }

    /// <summary>Mixes every room once now, on the caller's thread (tests measure the mix path).</summary>
    internal void TickAllRooms()
    {
        lock (_gate)
        {
            foreach (var room in _rooms.Values)
            {
                Tick(room); // takes the same (reentrant) lock
            }
        }
    }

    /// <summary>
    /// Test hook, never set outside tests: changes the mix payload a member is about to be sent
    /// (peer id, whether it is wide, the payload), playing a server that adds a signal to the mix
    /// (issue 7: members of ours must detect it).
    /// </summary>
    internal MixTamperer? MixTamper { get; set; }

    internal delegate void MixTamperer(ushort peerId, bool wide, Span<byte> payload);

    /// <summary>Every 32 ms: one mix for each authenticated member (the others' frames and tags), over UDP if it chose UDP;
    /// wide (WideAudioFrame) for a member of ours whose mix holds only wide frames, else PicoTalk's AudioFrame.</summary>
    private void Tick(ServerRoom room)
    {
        lock (_gate)
        {
            if (!_rooms.ContainsKey(room.Id))
            {
                return;
            }

            room.Mixer.Tick();
            foreach (var (peerId, member) in room.Members)
            {
                if (!room.Membership.IsAuthenticated(peerId))
                {
                    continue;
                }

                bool wantsWide = (member.Extensions & RoomExtensions.WideAudio) != 0;
                int size = room.Mixer.WriteMix(peerId, wantsWide, room.MixBuffer.AsSpan(RoomPacket.HeaderSize), out bool wide);
                MixTamper?.Invoke(peerId, wide, room.MixBuffer.AsSpan(RoomPacket.HeaderSize, size));
                RoomPacket.WriteHeader(wide ? RoomPacketType.WideAudioFrame : RoomPacketType.AudioFrame, RoomMembership.Server, peerId, size, room.MixBuffer);
                var inner = room.MixBuffer.AsSpan(0, RoomPacket.HeaderSize + size);
                if (member.UseUdp && member.UdpEndpoint is not null)
                {
                    SendUdp(member, inner);
                }
                else
                {
                    member.EnqueueCopy(inner);
                }
            }
        }
    }

    /// <summary>Under the lock: takes a member out of its room and tells the others.</summary>
    private void Leave(ServerRoomConnection connection)
    {
        connection.UdpCheckTimer?.Dispose();
        var room = connection.Room;
        if (room is null)
        {
            return;
        }

        connection.Room = null;
        _streams.Remove(connection.StreamId);
        room.Members.Remove(connection.PeerId);
        room.Membership.Leave(connection.PeerId);
        room.Mixer.RemovePeer(connection.PeerId);
        Broadcast(room, RoomMembership.PeerEvent(RoomMessage.PeerDisconnected, connection.PeerId), except: 0);
        CloseIfEmpty(room);
    }

    private void CloseIfEmpty(ServerRoom room)
    {
        if (room.Membership.Count == 0)
        {
            room.Ticker?.Dispose();
            _rooms.Remove(room.Id);
        }
    }
}
