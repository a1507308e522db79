namespace PicoTalk.Protocol.Session;

/// <summary>Timers, driven by <see cref="SessionLayer.Poll"/>: retransmits, timeouts, keepalives, rekeys.</summary>
public sealed partial class SessionLayer
{
    /// <summary>Runs every timer that fell due. Call about every 50 ms from the event loop.</summary>
    public void Poll()
    {
        long now = _time.GetTimestamp();
        _pollScratch.Clear();
        _pollScratch.AddRange(_all);
        foreach (var session in _pollScratch)
        {
            // A callback of an earlier session may have closed this one.
            switch (session.State)
            {
                case SessionState.Handshaking:
                    PollHandshaking(session, now);
                    break;
                case SessionState.Established:
                    PollEstablished(session, now);
                    break;
                case SessionState.Closed:
                    break;
            }
        }

        _pollScratch.Clear();
        ExpirePending(now);
        if (_rateLimiter.Count > 0)
        {
            _rateLimiter.Prune(now);
        }
    }

    private void PollHandshaking(SecureSession session, long now)
    {
        if (session.Handshake is not { } handshake)
        {
            return;
        }

        if (Elapsed(handshake.StartedAt, now, _options.HandshakeTimeout))
        {
            Fail(session, SessionFailure.HandshakeTimeout,
                $"no valid key response from {session.Remote} within {_options.HandshakeTimeout.TotalSeconds:0.###} s");
            return;
        }

        if (Elapsed(handshake.LastSentAt, now, _options.HandshakeRetransmit))
        {
            handshake.LastSentAt = now;
            Send(handshake.Request, session.Remote);
        }
    }

    private void PollEstablished(SecureSession session, long now)
    {
        if (Elapsed(session.LastReceivedAt, now, _options.SilenceTimeout))
        {
            Fail(session, SessionFailure.PeerSilent,
                $"nothing authenticated from {session.Remote} for {_options.SilenceTimeout.TotalSeconds:0.###} s");
            return;
        }

        if (session.PreviousKeys is { } previous && now >= session.PreviousKeysExpireAt)
        {
            previous.Dispose();
            session.PreviousKeys = null;
        }

        if (session.ConfirmToResend is { } confirm && Elapsed(session.ConfirmSentAt, now, _options.HandshakeRetransmit))
        {
            session.ConfirmSentAt = now;
            Send(confirm, session.Remote);
        }

        PollRekey(session, now);

        if (session.State == SessionState.Established && Elapsed(session.LastSentAt, now, _options.KeepaliveInterval))
        {
            TrySendSignal(session, new SignalMessage(SignalKind.Keepalive, null));
        }
    }

    /// <summary>
    /// The initiator renews the keys when any stream's sequence reaches RekeyAfterPackets, well
    /// before SequenceLimit stops sealing, so the 32-bit sequence never wraps under one key.
    /// </summary>
    private void PollRekey(SecureSession session, long now)
    {
        if (session.Handshake is { } rekey)
        {
            if (Elapsed(rekey.StartedAt, now, _options.HandshakeTimeout))
            {
                // The old keys still work; try again on the next Poll.
                session.Handshake = null;
                rekey.Dispose();
                Counters.HandshakeFailed();
            }
            else if (Elapsed(rekey.LastSentAt, now, _options.HandshakeRetransmit))
            {
                rekey.LastSentAt = now;
                Send(rekey.Request, session.Remote);
            }

            return;
        }

        if (session.IsInitiator && session.ConfirmToResend is null && session.Keys is { } keys
            && keys.HighestSequence >= _options.RekeyAfterPackets)
        {
            StartHandshake(session, isRekey: true, session.PeerId, now);
        }
    }
}
