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

        // Order (cheapest first): strict SPKI form, target, signature, rate limit, table bound.
        if (request.Signature.Length != IdentityKey.SignatureSize
            || !P256Spki.IsValid(request.EphemeralSpki)
            || !P256Spki.IsValid(request.IdentitySpki)
            || (!request.Target.IsZero && request.Target != LocalId)
            || !P256Spki.TryImportEcdsa(request.IdentitySpki, out var peerIdentity))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        bool keep = false;
        try
        {
            if (!HandshakeCrypto.Verify(peerIdentity!, HandshakeCrypto.RequestContext, datagram[..request.SignedLength],
                    default, request.Signature)
                || !P256Spki.TryImportEcdh(request.EphemeralSpki, out var peerEphemeral))
            {
                _drops.Count(DropReason.HandshakeRejected);
                return;
            }

            using (peerEphemeral)
            {
                var peerId = NodeId.FromSubjectPublicKeyInfo(request.IdentitySpki);
                if (request.IsRekey && !(_established.TryGetValue(from, out var current)
                                         && current.PeerId == peerId && !current.IsInitiator))
                {
                    // A rekey must continue a session we answered, with the same identity.
                    _drops.Count(DropReason.HandshakeRejected);
                    return;
                }

                if (!_rateLimiter.TryTake(from, now) || !MakeRoomForPending(from, now))
                {
                    _drops.Count(DropReason.RateLimited);
                    return;
                }

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

        if (confirm.IsRekey != pending.IsRekey
            || !HandshakeCrypto.Verify(pending.PeerIdentity, HandshakeCrypto.ConfirmContext, pending.Request,
                pending.Response, confirm.Signature))
        {
            _drops.Count(DropReason.HandshakeRejected);
            return;
        }

        _pending.Remove(from);
        long now = _time.GetTimestamp();
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
            _established[from] = created;
            _all.Add(created);
            _observer.OnSessionEstablished(created);
        }
    }
}
