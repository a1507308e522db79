namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// Reassembles packets from a byte stream (TCP): the socket reads into <see cref="GetWriteSpan"/>,
/// the caller <see cref="Advance"/>s, then takes whole packets with <see cref="TryTake"/>. The
/// buffer is fixed at two maximum packets, so a peer cannot make it grow.
/// </summary>
/// <remarks>
/// Usage on the receive path: <c>n = socket.Receive(buffer.GetWriteSpan()); buffer.Advance(n);
/// while (buffer.TryTake(out var packet, out var status, out var error)) { handle(packet); }</c>
/// then close the connection if <c>status</c> is <see cref="RoomReadStatus.Invalid"/>. A taken
/// packet's payload stays valid until the next <see cref="GetWriteSpan"/>.
/// </remarks>
public sealed class RoomStreamBuffer
{
    public const int Capacity = 2 * RoomPacket.MaxPacketSize;

    private readonly byte[] buffer = new byte[Capacity];
    private int start;
    private int end;

    /// <summary>Bytes received and not yet taken.</summary>
    public int Buffered => end - start;

    /// <summary>Free space to receive into; compacts what is buffered to the front first.</summary>
    public Span<byte> GetWriteSpan()
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }

        return buffer.AsSpan(end);
    }

    /// <summary>Marks <paramref name="count"/> bytes of the last write span as received.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity - end);
        end += count;
    }

    /// <summary>Copies received bytes in (for transports that hand over their own buffers). False if they do not fit.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        var free = GetWriteSpan();
        if (data.Length > free.Length)
        {
            return false;
        }

        data.CopyTo(free);
        end += data.Length;
        return true;
    }

    /// <summary>
    /// Takes the next whole packet. False when more bytes are needed (<see cref="RoomReadStatus.Incomplete"/>)
    /// or the stream is not PicoTalk (<see cref="RoomReadStatus.Invalid"/>, with the reason).
    /// </summary>
    public bool TryTake(out RoomPacket packet, out RoomReadStatus status, out RoomPacketError error)
    {
        status = RoomPacket.TryRead(buffer.AsSpan(start, end - start), out packet, out int consumed, out error);
        if (status != RoomReadStatus.Complete)
        {
            return false;
        }

        start += consumed;
        return true;
    }
}
