using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// The responder's side of the handshake. A KeyRequest only ever creates a bounded, expiring
/// half-open state; only a KeyConfirm signed over our fresh ephemeral creates a session. So a
/// recorded KeyRequest replayed later gets a response but never makes the appliance ring
/// (DESIGN.md "Crypto rules").
/// </summary>
public sealed partial class SessionLayer
{
    private void HandleKeyRequest(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (!KeyRequest.TryRead(datagram, out var request))
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        long now = _time.GetTimestamp();

        // A retransmission of the request we already answered gets the identical response: same
        // ephemeral, so whichever copy the initiator receives, the transcript is the same.
        if (_pending.TryGetValue(from, out var answered) && Same(answered.Request, datagram))
        {
            Counters.HandshakeMessageAccepted();
            Send(answered.Response, from);
            return;
        }

        // Every cheap check comes before any public-key operation (STYLE.md 2), so a flood of
        // well-formed but forged requests costs one token each and then nothing at all: strict
        // SPKI bytes, handshake rules, per-source rate limit, pending-table bound. Only then the
        // point import, the signature check, the ECDH and our signature.
        //
        // A request aimed at another ID is answered all the same: the caller, not us, enforces that
        // the key that answers hashes to the ID it dialed (DESIGN.md "Crypto rules"), and our
        // signed answer lets it say at once "this address is X, not the Y you dialed" instead of
        // timing out. It reveals nothing a request for the zero target would not. The target stays
        // in the signed transcript, so nobody can retarget a request in flight.
        if (request.Signature.Length != IdentityKey.SignatureSize
            || !P256Spki.IsValid(request.EphemeralSpki)
            || !P256Spki.IsValid(request.IdentitySpki))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        var peerId = NodeId.FromSubjectPublicKeyInfo(request.IdentitySpki);
        if (!MayStartHandshake(request, peerId, datagram, from, now))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        if (!_rateLimiter.TryTake(from, now) || !MakeRoomForPending(from, now))
        {
            _drops.Count(DropReason.RateLimited);
            return;
        }

        if (!P256Spki.TryImportEcdsa(request.IdentitySpki, out var peerIdentity))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        bool keep = false;
        try
        {
            if (!VerifySignature(peerIdentity!, HandshakeCrypto.RequestContext, datagram[..request.SignedLength],
                    default, request.Signature)
                || !P256Spki.TryImportEcdh(request.EphemeralSpki, out var peerEphemeral))
            {
                _drops.Count(DropReason.HandshakeRejected);
                return;
            }

            using (peerEphemeral)
            {
                using var ephemeral = HandshakeCrypto.NewEphemeral();
                byte[] requestBytes = datagram.ToArray();
                byte[] response = HandshakeCrypto.BuildResponse(_identity, request.Flags, requestBytes,
                    ephemeral.ExportSubjectPublicKeyInfo());
                var keys = HandshakeCrypto.DeriveKeys(ephemeral, peerEphemeral!, requestBytes, response, isInitiator: false);
                if (_pending.Remove(from, out var replaced))
                {
                    replaced.Dispose();
                }

                _pending[from] = new PendingHandshake(requestBytes, response, keys, peerIdentity!, peerId, request.IsRekey, now);
                keep = true;
                Counters.HandshakeMessageAccepted();
                Send(response, from);
            }
        }
        finally
        {
            if (!keep)
            {
                peerIdentity!.Dispose();
            }
        }
    }

    /// <summary>
    /// The handshake rules a KeyRequest must meet before it may cost a public-key operation or
    /// touch any state (DESIGN.md "Session layer", rekey). None of them lets a request that is not
    /// the peer's own, fresh one hijack or kill a session or a handshake in progress:
    /// <list type="bullet">
    /// <item>a rekey continues only a session we answered at this endpoint, with the same identity;</item>
    /// <item>a request that already keyed the session at this endpoint is a replay;</item>
    /// <item>a live pending handshake is displaced only by the same identity (an initiator that
    /// redials), and a pending rekey only by another rekey: otherwise a request with another identity
    /// or a replayed first request from a spoofed address would void the peer's KeyConfirm while the
    /// peer already seals under the new keys.</item>
    /// </list>
    /// </summary>
    private bool MayStartHandshake(in KeyRequest request, NodeId peerId, ReadOnlySpan<byte> datagram, PeerEndpoint from,
        long now)
    {
        _established.TryGetValue(from, out var current);
        if (request.IsRekey && (current is null || current.IsInitiator || current.PeerId != peerId))
        {
            return false;
        }

        if (current is not null && !current.IsInitiator && current.KeyedBy.Contains(datagram))
        {
            return false;
        }

        return !_pending.TryGetValue(from, out var live)
               || Elapsed(live.CreatedAt, now, _options.PendingTimeout)
               || (live.PeerId == peerId && (request.IsRekey || !live.IsRekey));
    }

    /// <summary>Checks a handshake signature; counted, so tests can prove what never reached it.</summary>
    private bool VerifySignature(ECDsa key, ReadOnlySpan<byte> context,
        ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> signature)
    {
        SignatureVerifications++;
        return HandshakeCrypto.Verify(key, context, first, second, signature);
    }

    /// <summary>True if a pending slot is free for <paramref name="from"/> (after expiring stale ones).</summary>
    private bool MakeRoomForPending(PeerEndpoint from, long now)
    {
        if (_pending.ContainsKey(from) || _pending.Count < _options.MaxPendingHandshakes)
        {
            return true;
        }

        ExpirePending(now);
        return _pending.Count < _options.MaxPendingHandshakes;
    }

    private void ExpirePending(long now)
    {
        _expiredScratch.Clear();
        foreach (var (endpoint, pending) in _pending)
        {
            if (Elapsed(pending.CreatedAt, now, _options.PendingTimeout))
            {
                _expiredScratch.Add(endpoint);
            }
        }

        foreach (var endpoint in _expiredScratch)
        {
            if (_pending.Remove(endpoint, out var pending))
            {
                pending.Dispose();
            }
        }
    }

    private void HandleKeyConfirm(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (!KeyConfirm.TryRead(datagram, out var confirm))
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        if (!_pending.TryGetValue(from, out var pending))
        {
            // The initiator resends its confirm until it hears from us; a keepalive tells it we have the keys.
            if (_established.TryGetValue(from, out var done) && Same(done.LastConfirm, datagram))
            {
                Counters.HandshakeMessageAccepted();
                TrySendSignal(done, new SignalMessage(SignalKind.Keepalive, null));
                return;
            }

            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        long now = _time.GetTimestamp();
        if (confirm.IsRekey != pending.IsRekey
            || confirm.Signature.Length != IdentityKey.SignatureSize
            || Elapsed(pending.CreatedAt, now, _options.PendingTimeout))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        // A forged confirm costs a verification: the source pays a token for it (refunded when the
        // signature holds), so spoofed confirms cannot burn the CPU (same bucket as KeyRequests).
        if (!_rateLimiter.TryTake(from, now))
        {
            _drops.Count(DropReason.RateLimited);
            return;
        }

        // The signature covers this pending state's own request and response (our fresh
        // ephemeral): a confirm of another handshake, or a recorded one, cannot verify here.
        if (!VerifySignature(pending.PeerIdentity, HandshakeCrypto.ConfirmContext, pending.Request, pending.Response,
                confirm.Signature))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        _rateLimiter.Refund(from);
        _pending.Remove(from);
        using (pending)
        {
            if (pending.IsRekey)
            {
                if (!_established.TryGetValue(from, out var session) || session.PeerId != pending.PeerId)
                {
                    _drops.Count(DropReason.HandshakeRejected);
                    return;
                }

                Counters.HandshakeMessageAccepted();
                Counters.HandshakeCompleted();
                session.LastConfirm = datagram.ToArray();
                session.KeyedBy.Add(pending.Request);
                SwapKeys(session, pending.TakeKeys(), now);
                return;
            }

            _established.TryGetValue(from, out var older);
            int others = _all.Count - (older is null ? 0 : 1);
            if (others >= _options.MaxSessions)
            {
                _drops.Count(DropReason.RateLimited);
                return;
            }

            Counters.HandshakeMessageAccepted();
            Counters.HandshakeCompleted();
            if (older is not null)
            {
                Fail(older, SessionFailure.Superseded, $"a new session with {from} replaced this one");
            }

            var created = new SecureSession(this, from, isInitiator: false, NodeId.Zero, now)
            {
                State = SessionState.Established,
                PeerId = pending.PeerId,
                Keys = pending.TakeKeys(),
                LastConfirm = datagram.ToArray(),
            };
            created.KeyedBy.Add(pending.Request);
            _established[from] = created;
            _all.Add(created);
            _observer.OnSessionEstablished(created);
        }
    }
}
