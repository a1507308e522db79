namespace PicoTalk.Protocol.Wire;

/// <summary>
/// Sends one datagram on the shared UDP socket. Implemented by the real socket and by the in-memory
/// test network. Must not block and must not throw for an unreachable peer (UDP loses packets).
/// </summary>
public interface IDatagramSender
{
    void Send(ReadOnlySpan<byte> datagram, PeerEndpoint to);
}

/// <summary>Handles datagrams of the types it registered for. Called on the owning event loop.</summary>
public interface IDatagramHandler
{
    void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from);
}
