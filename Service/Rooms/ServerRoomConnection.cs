using System.Net;
using System.Threading.Channels;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// One client of the room server, as the server sees it: the secure channels on the transport key,
/// the room and address it joined, its UDP stream, and a bounded queue of inner packets for its
/// writer. Fields other than the channels' send side are read and written under the server's lock.
/// </summary>
internal sealed class ServerRoomConnection
{
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(RoomServerLimits.SendQueuePackets) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ServerRoomConnection(IPacketPipe pipe, RateLimiter rate, string transport)
    {
        Pipe = pipe;
        Rate = rate;
        Transport = transport;
    }

    public IPacketPipe Pipe { get; }

    public RateLimiter Rate { get; }

    public string Transport { get; }

    public CancellationTokenSource Closing { get; } = new();

    /// <summary>Channel 1 (TCP or WebSocket), responder. Seal only on the writer, open only on the reader.</summary>
    public SecureChannel? Stream { get; set; }

    /// <summary>Channel 2 (UDP), responder; used under the server's lock.</summary>
    public SecureChannel? Udp { get; set; }

    public ServerRoom? Room { get; set; }

    public ushort PeerId { get; set; }

    public uint StreamId { get; set; }

    public EndPoint? UdpEndpoint { get; set; }

    public bool UseUdp { get; set; }

    public ITimer? UdpCheckTimer { get; set; }

    /// <summary>Packets not queued because the writer was behind.</summary>
    public long QueueDrops { get; private set; }

    /// <summary>Queues an inner packet for the writer; drops and counts it when the queue is full.</summary>
    public bool Enqueue(byte[] innerPacket)
    {
        if (_queue.Writer.TryWrite(innerPacket))
        {
            return true;
        }

        QueueDrops++;
        return false;
    }

    /// <summary>The writer: seals each queued inner packet in order (so counters match the order on the wire) and writes it.</summary>
    public async Task WriteLoopAsync()
    {
        var ct = Closing.Token;
        try
        {
            await foreach (byte[] inner in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var channel = Stream!;
                var sealedPacket = new byte[RoomPacket.HeaderSize + inner.Length + channel.Overhead];
                channel.SealPacket(inner, sealedPacket);
                await Pipe.WriteAsync(sealedPacket, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The connection is closing; the reader tears it down.
        }
        finally
        {
            Closing.Cancel();
        }
    }

    public void Complete() => _queue.Writer.TryComplete();
}

/// <summary>One room: its members, the vouching rule, the mixer and its 32 ms timer.</summary>
internal sealed class ServerRoom
{
    public ServerRoom(string id)
    {
        Id = id;
        Mixer = new AudioMixer(RoomServerLimits.MaxMembersPerRoom);
        MixBuffer = new byte[RoomPacket.HeaderSize + Mixer.MaxMixSize];
    }

    public string Id { get; }

    public RoomMembership Membership { get; } = new();

    public AudioMixer Mixer { get; }

    public Dictionary<ushort, ServerRoomConnection> Members { get; } = [];

    public byte[] MixBuffer { get; }

    public ITimer? Ticker { get; set; }
}
