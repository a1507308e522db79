using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>The initiator's side of the handshake: KeyRequest out, KeyResponse in, KeyConfirm out.</summary>
public sealed partial class SessionLayer
{
    /// <summary>Sends a fresh KeyRequest (new ephemeral key) for a first dial or a rekey.</summary>
    private void StartHandshake(SecureSession session, bool isRekey, NodeId target, long now)
    {
        var ephemeral = HandshakeCrypto.NewEphemeral();
        byte flags = isRekey ? HandshakeHeader.RekeyFlag : (byte)0;
        byte[] request = HandshakeCrypto.BuildRequest(_identity, flags, target, ephemeral.ExportSubjectPublicKeyInfo());
        session.Handshake?.Dispose();
        session.Handshake = new InitiatorHandshake(ephemeral, request, isRekey, now);
        Counters.HandshakeStarted();
        Send(request, session.Remote);
    }

    /// <summary>The session whose outgoing handshake a KeyResponse from <paramref name="from"/> answers.</summary>
    private SecureSession? FindInitiatorHandshake(PeerEndpoint from)
    {
        if (_dialing.TryGetValue(from, out var dialing) && dialing.Handshake is not null)
        {
            return dialing;
        }

        return _established.TryGetValue(from, out var established) && established.Handshake is not null
            ? established
            : null;
    }

    private void HandleKeyResponse(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (!KeyResponse.TryRead(datagram, out var response))
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        if (FindInitiatorHandshake(from) is not { Handshake: { } handshake } session)
        {
            // The responder resends its KeyResponse when our retransmitted KeyRequest crossed it:
            // answer with the confirm again rather than count an attack.
            if (_established.TryGetValue(from, out var done) && Same(done.LastResponse, datagram) && done.ConfirmToResend is { } confirm)
            {
                Counters.HandshakeMessageAccepted();
                Send(confirm, from);
                done.ConfirmSentAt = _time.GetTimestamp();
                return;
            }

            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        // Strict key checks, then the source's rate limit, before any public-key operation: a flood
        // of forged responses from a spoofed address costs one token each, then nothing. A forged or
        // garbled response is dropped without ending the dial: the genuine one may still come.
        if (response.IsRekey != handshake.IsRekey
            || response.Signature.Length != IdentityKey.SignatureSize
            || !P256Spki.IsValid(response.EphemeralSpki)
            || !P256Spki.IsValid(response.IdentitySpki))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        if (!_rateLimiter.TryTake(from, _time.GetTimestamp()))
        {
            _drops.Count(DropReason.RateLimited);
            return;
        }

        if (!P256Spki.TryImportEcdsa(response.IdentitySpki, out var peerIdentity))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        ECDiffieHellman? peerEphemeral = null;
        try
        {
            if (!VerifySignature(peerIdentity!, HandshakeCrypto.ResponseContext, handshake.Request,
                    datagram[..response.SignedLength], response.Signature)
                || !P256Spki.TryImportEcdh(response.EphemeralSpki, out peerEphemeral))
            {
                _drops.Count(DropReason.HandshakeRejected);
                return;
            }

            _rateLimiter.Refund(from);
            var peerId = NodeId.FromSubjectPublicKeyInfo(response.IdentitySpki);
            var expected = handshake.IsRekey ? session.PeerId : session.ExpectedPeerId;
            if (!expected.IsZero && peerId != expected)
            {
                _drops.Count(DropReason.HandshakeRejected);
                Fail(session, SessionFailure.IdentityMismatch,
                    $"{from} answered as {peerId}, but {expected} was dialed; the call was refused");
                return;
            }

            Counters.HandshakeMessageAccepted();
            CompleteInitiator(session, handshake, datagram, peerEphemeral!, peerId);
        }
        finally
        {
            peerIdentity!.Dispose();
            peerEphemeral?.Dispose();
        }
    }

    private void CompleteInitiator(SecureSession session, InitiatorHandshake handshake, ReadOnlySpan<byte> response,
        ECDiffieHellman peerEphemeral, NodeId peerId)
    {
        long now = _time.GetTimestamp();
        var keys = HandshakeCrypto.DeriveKeys(handshake.Ephemeral, peerEphemeral, handshake.Request, response, isInitiator: true);
        byte flags = handshake.IsRekey ? HandshakeHeader.RekeyFlag : (byte)0;
        byte[] confirm = HandshakeCrypto.BuildConfirm(_identity, flags, handshake.Request, response);
        session.Handshake = null;
        handshake.Dispose();
        session.LastResponse = response.ToArray();
        session.ConfirmToResend = confirm;
        session.ConfirmSentAt = now;
        Counters.HandshakeCompleted();
        Send(confirm, session.Remote);

        if (handshake.IsRekey)
        {
            SwapKeys(session, keys, now);
            return;
        }

        session.Keys = keys;
        session.PeerId = peerId;
        session.LastReceivedAt = now;
        session.LastSentAt = now;
        _dialing.Remove(session.Remote);
        if (_established.TryGetValue(session.Remote, out var older))
        {
            Fail(older, SessionFailure.Superseded, $"a new session with {session.Remote} replaced this one");
        }

        session.State = SessionState.Established;
        _established[session.Remote] = session;
        _observer.OnSessionEstablished(session);
    }

    /// <summary>
    /// Rekey: the new keys take over sending at once (sequences restart at 1); the old ones still
    /// open packets in flight for <see cref="SessionOptions.RekeyGrace"/>, then are zeroed.
    /// </summary>
    private void SwapKeys(SecureSession session, SessionKeys keys, long now)
    {
        session.PreviousKeys?.Dispose();
        session.PreviousKeys = session.Keys;
        session.PreviousKeysExpireAt = now + (long)(_options.RekeyGrace.TotalSeconds * _time.TimestampFrequency);
        session.Keys = keys;
        session.Rekeys++;
        Counters.Rekeyed();
    }
}
