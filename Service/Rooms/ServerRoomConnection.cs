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
    private readonly Channel<QueuedPacket> _queue = Channel.CreateBounded<QueuedPacket>(
        new BoundedChannelOptions(RoomServerLimits.SendQueuePackets) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>The largest mix: the header, a wide frame (the larger kind) and the wide tags of a full room's other members.</summary>
    private const int MixBufferSize = RoomPacket.HeaderSize + WideAudioFrame.HeaderSize + ((RoomServerLimits.MaxMembersPerRoom - 1) * WideAudioTag.Size);

    /// <summary>Mix buffers not in the queue (at most the queue's bound plus the one being written).</summary>
    private readonly Stack<byte[]> _freeMixBuffers = new(RoomServerLimits.SendQueuePackets + 1);

    /// <summary>The writer's one sealed packet: it writes each before sealing the next.</summary>
    private readonly byte[] _sealed = new byte[RoomPacket.HeaderSize + RoomPacket.MaxPacketSize + Sodium.MacSize + SecureChannel.CounterSize];

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

    /// <summary>The extensions this member announced in its join that we serve too (none for a PicoTalk client);
    /// WideAudio here means it sends WideAudioFrame and is sent wide mixes.</summary>
    public RoomExtensions Extensions { get; set; }

    public uint StreamId { get; set; }

    /// <summary>Where this member's UDP datagrams come from, and go.</summary>
    public EndPoint? UdpEndpoint
    {
        get => _udpEndpoint;
        set
        {
            if (!Equals(value, _udpEndpoint))
            {
                _udpEndpoint = value;
                // Serialized once, not on every send (Socket.SendTo with an EndPoint does it per call).
                UdpAddress = value?.Serialize();
            }
        }
    }

    /// <summary><see cref="UdpEndpoint"/> as the socket takes it.</summary>
    public SocketAddress? UdpAddress { get; private set; }

    private EndPoint? _udpEndpoint;

    public bool UseUdp { get; set; }

    public ITimer? UdpCheckTimer { get; set; }

    /// <summary>Packets not queued because the writer was behind.</summary>
    public long QueueDrops { get; private set; }

    /// <summary>Packets waiting for the writer now.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Queues an inner packet for the writer; drops and counts it when the queue is full.</summary>
    public bool Enqueue(byte[] innerPacket) => Enqueue(new QueuedPacket(innerPacket, innerPacket.Length, Pooled: false));

    /// <summary>
    /// Queues a copy of <paramref name="innerPacket"/> (a mix) in one of this connection's own buffers,
    /// which the writer gives back once sent: a mix goes to every member every 32 ms, and that path
    /// allocates nothing once a connection has as many buffers as it ever has mixes in flight (at most
    /// its queue's bound). Buffers are sized for the largest mix a room can make; anything larger is a
    /// plain copy.
    /// </summary>
    public bool EnqueueCopy(ReadOnlySpan<byte> innerPacket)
    {
        if (innerPacket.Length > MixBufferSize)
        {
            return Enqueue(innerPacket.ToArray());
        }

        byte[] buffer;
        lock (_freeMixBuffers)
        {
            buffer = _freeMixBuffers.Count > 0 ? _freeMixBuffers.Pop() : new byte[MixBufferSize];
        }

        innerPacket.CopyTo(buffer);
        if (Enqueue(new QueuedPacket(buffer, innerPacket.Length, Pooled: true)))
        {
            return true;
        }

        GiveBack(buffer);
        return false;
    }

    private void GiveBack(byte[] buffer)
    {
        lock (_freeMixBuffers)
        {
            _freeMixBuffers.Push(buffer);
        }
    }

    private bool Enqueue(QueuedPacket packet)
    {
        if (_queue.Writer.TryWrite(packet))
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
            await foreach (var packet in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var channel = Stream!;
                int length = channel.SealPacket(packet.Buffer.AsSpan(0, packet.Length), _sealed);
                if (packet.Pooled)
                {
                    GiveBack(packet.Buffer);
                }

                await Pipe.WriteAsync(_sealed.AsMemory(0, length), ct).ConfigureAwait(false);
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

    /// <summary>An inner packet waiting for the writer: the first <see cref="Length"/> bytes of
    /// <see cref="Buffer"/>, which goes back to the connection's free mix buffers after sealing when <see cref="Pooled"/>.</summary>
    private readonly record struct QueuedPacket(byte[] Buffer, int Length, bool Pooled);
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
