using System.Net;
using System.Net.Sockets;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

public sealed partial class RoomServer
{
    /// <summary>
    /// The UDP socket (PICOTALK.md "Framing": <c>stream_id u32 | packet</c>): the stream id finds
    /// the connection, its UDP channel (channel 2) opens the packet. A datagram that fails any check
    /// is dropped and counted, never thrown on.
    /// </summary>
    private async Task UdpLoopAsync()
    {
        var buffer = new byte[RoomDatagram.MaxSize];
        var inner = new byte[RoomPacket.MaxPacketSize];
        EndPoint any = _udp.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from a departed client, on Linux reported here
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, received.ReceivedBytes);
            ReceivedTap?.Invoke(datagram);
            lock (_gate)
            {
                if (!HandleDatagram(datagram, received.RemoteEndPoint, inner))
                {
                    Counters.BadDatagrams++;
                }
            }
        }
    }

    private bool HandleDatagram(ReadOnlySpan<byte> datagram, EndPoint from, byte[] inner)
    {
        if (!RoomDatagram.TryRead(datagram, out uint streamId, out var outer, out _)
            || outer.Type != RoomPacketType.Binary
            || !_streams.TryGetValue(streamId, out var connection)
            || !connection.Udp!.TryOpen(outer.Payload, inner, out int length))
        {
            return false;
        }

        ReceivedTap?.Invoke(inner.AsSpan(0, length));
        if (!RoomPacket.TryReadWhole(inner.AsSpan(0, length), out var packet, out _))
        {
            return false;
        }

        // The packet opened under this member's key, so the address is its current one.
        connection.UdpEndpoint = from;
        if (packet.Type == RoomPacketType.Json && RoomMessage.TryParse(packet.Payload, out var message) && message.UdpCheck == "init")
        {
            SendUdp(connection, Packets.Json(RoomMembership.Server, connection.PeerId, new RoomMessage { UdpCheck = "ok" }));
            return true;
        }

        return Handle(connection, packet);
    }

    /// <summary>Seals an inner packet with the member's UDP channel and sends it (under the lock; UDP
    /// sends do not block). One datagram buffer serves every send, since they all happen under the
    /// lock: a mix goes to every member every 32 ms, and nothing on that path allocates.</summary>
    private void SendUdp(ServerRoomConnection connection, ReadOnlySpan<byte> innerPacket)
    {
        var channel = connection.Udp!;
        int length = RoomDatagram.HeaderSize + innerPacket.Length + channel.Overhead;
        var datagram = _udpSendBuffer.AsSpan(0, length);
        int payload = channel.Seal(innerPacket, datagram[RoomDatagram.HeaderSize..]);
        RoomDatagram.WriteHeader(connection.StreamId, RoomPacketType.Binary, 0, 0, payload, datagram);
        try
        {
            _udp.SendTo(datagram, SocketFlags.None, connection.UdpAddress!);
        }
        catch (SocketException)
        {
            Counters.Dropped++;
        }
    }
}
