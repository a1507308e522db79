using System.Net.WebSockets;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// Whole PicoTalk packets over one stream-like transport (PICOTALK.md "Framing": TCP back to back,
/// WebSocket one per binary message). Used by both the server and the client session. One reader
/// and one writer at a time.
/// </summary>
internal interface IPacketPipe : IAsyncDisposable
{
    /// <summary>The next whole packet (header and payload), or null when the peer closed or sent bytes that are not PicoTalk.</summary>
    ValueTask<byte[]?> ReadAsync(CancellationToken ct);

    ValueTask WriteAsync(ReadOnlyMemory<byte> packet, CancellationToken ct);
}

/// <summary>Helpers shared by the pipes.</summary>
internal static class Packets
{
    /// <summary>A packet as a fresh array.</summary>
    public static byte[] Make(RoomPacketType type, ushort src, ushort dst, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[RoomPacket.HeaderSize + payload.Length];
        RoomPacket.Write(type, src, dst, payload, packet);
        return packet;
    }

    public static byte[] Copy(RoomPacket packet) => Make(packet.Type, packet.Src, packet.Dst, packet.Payload);

    public static byte[] Json(ushort src, ushort dst, RoomMessage message) => Make(RoomPacketType.Json, src, dst, message.ToJson());
}

/// <summary>TCP: a byte stream cut into packets by <see cref="RoomStreamBuffer"/>.</summary>
internal sealed class StreamPacketPipe : IPacketPipe
{
    private readonly Stream _stream;
    private readonly RoomStreamBuffer _buffer = new();
    private readonly byte[] _chunk = new byte[4096];
    private readonly Action<ReadOnlySpan<byte>>? _tap;

    /// <param name="tap">Sees every byte read (tests check what a server holds).</param>
    public StreamPacketPipe(Stream stream, Action<ReadOnlySpan<byte>>? tap = null)
    {
        _stream = stream;
        _tap = tap;
    }

    public async ValueTask<byte[]?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryTake(out byte[]? packet, out bool invalid))
            {
                return packet;
            }

            if (invalid)
            {
                return null;
            }

            int n = await _stream.ReadAsync(_chunk.AsMemory(0, Math.Min(_chunk.Length, RoomStreamBuffer.Capacity - _buffer.Buffered)), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            _tap?.Invoke(_chunk.AsSpan(0, n));
            _buffer.TryAppend(_chunk.AsSpan(0, n));
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> packet, CancellationToken ct) => _stream.WriteAsync(packet, ct);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private bool TryTake(out byte[]? packet, out bool invalid)
    {
        packet = null;
        invalid = false;
        if (_buffer.TryTake(out var taken, out var status, out _))
        {
            packet = Packets.Copy(taken);
            return true;
        }

        invalid = status == RoomReadStatus.Invalid;
        return false;
    }
}

/// <summary>WebSocket: one binary message is one packet; anything else closes the pipe.</summary>
internal sealed class WebSocketPacketPipe : IPacketPipe
{
    private readonly WebSocket _socket;
    private readonly Stream? _underlying;
    private readonly byte[] _message = new byte[RoomPacket.MaxPacketSize + 1];
    private readonly Action<ReadOnlySpan<byte>>? _tap;

    public WebSocketPacketPipe(WebSocket socket, Stream? underlying = null, Action<ReadOnlySpan<byte>>? tap = null)
    {
        _socket = socket;
        _underlying = underlying;
        _tap = tap;
    }

    public async ValueTask<byte[]?> ReadAsync(CancellationToken ct)
    {
        int length = 0;
        while (true)
        {
            if (length == _message.Length)
            {
                return null; // larger than any packet
            }

            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_message.AsMemory(length), ct).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                return null;
            }

            if (result.MessageType != WebSocketMessageType.Binary)
            {
                return null; // Close, or text (not PicoTalk)
            }

            _tap?.Invoke(_message.AsSpan(length, result.Count));
            length += result.Count;
            if (result.EndOfMessage)
            {
                break;
            }
        }

        return RoomPacket.TryReadWhole(_message.AsSpan(0, length), out var packet, out _) ? Packets.Copy(packet) : null;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> packet, CancellationToken ct) =>
        _socket.SendAsync(packet, WebSocketMessageType.Binary, endOfMessage: true, ct);

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        if (_underlying is not null)
        {
            await _underlying.DisposeAsync().ConfigureAwait(false);
        }
    }
}
