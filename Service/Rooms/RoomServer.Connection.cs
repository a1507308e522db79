using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

public sealed partial class RoomServer
{
    /// <summary>One connection from accept to close: upgrade (WebSocket), hello, key exchange, then packets.</summary>
    private async Task ServeAsync(TcpClient client, bool webSocket)
    {
        IPacketPipe? pipe = null;
        ServerRoomConnection? connection = null;
        using var joinDeadline = new CancellationTokenSource(RoomServerLimits.JoinTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(joinDeadline.Token, _stopping.Token);
        try
        {
            var stream = client.GetStream();
            if (webSocket)
            {
                string? head = await WebSocketUpgrade.ReadRequestHeadAsync(stream, linked.Token).ConfigureAwait(false);
                bool ok = WebSocketUpgrade.TryAccept(head ?? "", out string response);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), linked.Token).ConfigureAwait(false);
                if (!ok)
                {
                    return;
                }

                var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
                pipe = new WebSocketPacketPipe(socket, stream, ReceivedTap);
            }
            else
            {
                pipe = new StreamPacketPipe(stream, ReceivedTap);
            }

            connection = new ServerRoomConnection(pipe, new RateLimiter(_time, RoomServerLimits.MaxPacketsPerSecond), webSocket ? "ws" : "tcp");
            if (!await HandshakeAsync(connection, linked.Token).ConfigureAwait(false))
            {
                return;
            }

            lock (_gate)
            {
                _connections.Add(connection);
            }

            var writer = connection.WriteLoopAsync();
            await ReadLoopAsync(connection, joinDeadline).ConfigureAwait(false);
            connection.Complete();
            connection.Closing.Cancel();
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or WebSocketException or ObjectDisposedException)
        {
            // Closed, timed out or reset: nothing to report beyond the cleanup below.
        }
        finally
        {
            if (connection is not null)
            {
                lock (_gate)
                {
                    Leave(connection);
                    _connections.Remove(connection);
                }

                connection.Closing.Cancel();
                connection.Stream?.Dispose();
                connection.Udp?.Dispose();
            }

            if (pipe is not null)
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
            }

            client.Dispose();
        }
    }

    /// <summary>PICOTALK.md "Connection to the server" steps 1-3: version hello in clear, then the triple DH.</summary>
    private async Task<bool> HandshakeAsync(ServerRoomConnection connection, CancellationToken ct)
    {
        var pipe = connection.Pipe;
        await pipe.WriteAsync(Packets.Json(RoomMembership.Server, RoomMembership.Undefined, new RoomMessage { Version = RoomMessage.ProtocolVersion }), ct).ConfigureAwait(false);
        using var handshake = new TransportHandshake(ChannelRole.Responder, _identity);
        var hello = new byte[TransportHandshake.HelloSize];
        handshake.WriteHello(hello);
        await pipe.WriteAsync(Packets.Make(RoomPacketType.Binary, RoomMembership.Undefined, RoomMembership.Undefined, hello), ct).ConfigureAwait(false);
        byte[]? theirs = await pipe.ReadAsync(ct).ConfigureAwait(false);
        return theirs is not null && Complete(connection, handshake, theirs);
    }

    private static bool Complete(ServerRoomConnection connection, TransportHandshake handshake, byte[] theirs)
    {
        if (RoomPacket.TryRead(theirs, out var packet, out _, out _) != RoomReadStatus.Complete || packet.Type != RoomPacketType.Binary)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[TransportHandshake.KeySize];
        try
        {
            if (!handshake.TryComplete(packet.Payload, key))
            {
                return false;
            }

            connection.Stream = new SecureChannel(key, ChannelKind.Stream, ChannelRole.Responder);
            connection.Udp = new SecureChannel(key, ChannelKind.Udp, ChannelRole.Responder);
            return true;
        }
        finally
        {
            key.Clear();
        }
    }

    /// <summary>
    /// Step 3 on: every packet is Binary(secretbox(inner packet)) with src = dst = 0. One that does
    /// not open closes the connection (a stream loses nothing, so it is broken or forged).
    /// </summary>
    private async Task ReadLoopAsync(ServerRoomConnection connection, CancellationTokenSource joinDeadline)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(connection.Closing.Token, _stopping.Token, joinDeadline.Token);
        var ct = linked.Token;
        var inner = new byte[RoomPacket.MaxPacketSize];
        while (!ct.IsCancellationRequested)
        {
            byte[]? outer = await connection.Pipe.ReadAsync(ct).ConfigureAwait(false);
            if (outer is null || !TryOpen(connection.Stream!, outer, inner, out int length))
            {
                return;
            }

            ReceivedTap?.Invoke(inner.AsSpan(0, length));
            if (!RoomPacket.TryReadWhole(inner.AsSpan(0, length), out var packet, out _))
            {
                return;
            }

            lock (_gate)
            {
                if (!Handle(connection, packet))
                {
                    return;
                }

                if (connection.Room is not null)
                {
                    joinDeadline.CancelAfter(Timeout.InfiniteTimeSpan); // joined: no more deadline
                }
            }
        }
    }

    private static bool TryOpen(SecureChannel channel, ReadOnlySpan<byte> outer, Span<byte> inner, out int length)
    {
        length = 0;
        return RoomPacket.TryReadWhole(outer, out var packet, out _)
            && packet.Type == RoomPacketType.Binary && packet.Src == 0 && packet.Dst == 0
            && packet.Payload.Length <= inner.Length + channel.Overhead
            && channel.TryOpen(packet.Payload, inner, out length);
    }
}
