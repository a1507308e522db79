namespace PicoTalk.Protocol.Session;

/// <summary>
/// What the session layer did, for status reports. Written on the event loop, readable from any
/// thread (Interlocked).
/// </summary>
public sealed class SessionCounters
{
    private long _handshakesStarted;
    private long _handshakesCompleted;
    private long _handshakesFailed;
    private long _rekeys;
    private long _handshakeMessagesAccepted;
    private long _packetsSealed;
    private long _packetsOpened;
    private long _sealsRefused;

    /// <summary>Outgoing handshakes begun (Connect and rekeys).</summary>
    public long HandshakesStarted => Interlocked.Read(ref _handshakesStarted);

    /// <summary>Handshakes that produced keys, on either side (rekeys included).</summary>
    public long HandshakesCompleted => Interlocked.Read(ref _handshakesCompleted);

    /// <summary>Outgoing handshakes that timed out or named the wrong identity.</summary>
    public long HandshakesFailed => Interlocked.Read(ref _handshakesFailed);

    /// <summary>Key swaps on established sessions.</summary>
    public long Rekeys => Interlocked.Read(ref _rekeys);

    /// <summary>Handshake datagrams that passed every check and were acted on (retransmissions included).</summary>
    public long HandshakeMessagesAccepted => Interlocked.Read(ref _handshakeMessagesAccepted);

    public long PacketsSealed => Interlocked.Read(ref _packetsSealed);

    /// <summary>Media and Control packets that authenticated.</summary>
    public long PacketsOpened => Interlocked.Read(ref _packetsOpened);

    /// <summary>Sends refused because a stream reached SequenceLimit (or the session was not established).</summary>
    public long SealsRefused => Interlocked.Read(ref _sealsRefused);

    internal void HandshakeStarted() => Interlocked.Increment(ref _handshakesStarted);

    internal void HandshakeCompleted() => Interlocked.Increment(ref _handshakesCompleted);

    internal void HandshakeFailed() => Interlocked.Increment(ref _handshakesFailed);

    internal void Rekeyed() => Interlocked.Increment(ref _rekeys);

    internal void HandshakeMessageAccepted() => Interlocked.Increment(ref _handshakeMessagesAccepted);

    internal void PacketSealed() => Interlocked.Increment(ref _packetsSealed);

    internal void PacketOpened() => Interlocked.Increment(ref _packetsOpened);

    internal void SealRefused() => Interlocked.Increment(ref _sealsRefused);
}
