using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// An outgoing handshake in progress (first dial or rekey): our ephemeral key and the exact
/// KeyRequest bytes, which are resent unchanged until a valid KeyResponse arrives.
/// </summary>
internal sealed class InitiatorHandshake : IDisposable
{
    public InitiatorHandshake(ECDiffieHellman ephemeral, byte[] request, bool isRekey, long startedAt)
    {
        Ephemeral = ephemeral;
        Request = request;
        IsRekey = isRekey;
        StartedAt = startedAt;
        LastSentAt = startedAt;
    }

    public ECDiffieHellman Ephemeral { get; }

    public byte[] Request { get; }

    public bool IsRekey { get; }

    public long StartedAt { get; }

    public long LastSentAt { get; set; }

    public void Dispose() => Ephemeral.Dispose();
}

/// <summary>
/// A responder's half-open handshake: it answered a verified KeyRequest and waits for the
/// KeyConfirm. The keys are derived already, so the ephemeral private key is gone; the identity
/// key of the initiator is kept to verify the confirm.
/// </summary>
internal sealed class PendingHandshake : IDisposable
{
    public PendingHandshake(byte[] request, byte[] response, SessionKeys keys, ECDsa peerIdentity, NodeId peerId,
        bool isRekey, long createdAt)
    {
        Request = request;
        Response = response;
        Keys = keys;
        PeerIdentity = peerIdentity;
        PeerId = peerId;
        IsRekey = isRekey;
        CreatedAt = createdAt;
    }

    public byte[] Request { get; }

    public byte[] Response { get; }

    /// <summary>Handed over to the session on confirm (then set to null here so Dispose keeps them).</summary>
    public SessionKeys? Keys { get; private set; }

    public ECDsa PeerIdentity { get; }

    public NodeId PeerId { get; }

    public bool IsRekey { get; }

    public long CreatedAt { get; }

    public SessionKeys TakeKeys()
    {
        var keys = Keys ?? throw new InvalidOperationException("keys already taken");
        Keys = null;
        return keys;
    }

    public void Dispose()
    {
        Keys?.Dispose();
        Keys = null;
        PeerIdentity.Dispose();
    }
}
