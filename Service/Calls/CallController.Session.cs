using PicoTalk.Protocol.Session;

namespace PicoTalk.Service.Calls;

/// <summary>What the session layer reports, and the periodic tick that repeats signals.</summary>
public sealed partial class CallController
{
    public void OnSessionEstablished(SecureSession session)
    {
        _loop.AssertOnLoop();
        Endpoints.Remember(session.PeerId, session.Remote);
        if (Current is { } call && call.Session == session)
        {
            // Our outgoing call's key exchange is done: invite now, and repeat until it rings.
            Send(call, SignalKind.Invite, _options.Name);
            return;
        }

        // An incoming session: nothing rings until it invites (a replayed key request never gets
        // this far; an authenticated peer that never invites is closed by Tick).
        _waiting[session] = _time.GetTimestamp();
    }

    public void OnSessionFailed(SecureSession session, SessionFailure failure, string message)
    {
        _loop.AssertOnLoop();
        _waiting.Remove(session);
        if (Current is not { } call || call.Session != session)
        {
            return;
        }

        // A call dialed by ID whose cached address failed (nobody there any more, or another
        // appliance now) asks the routing layer instead; one that the DHT gave several addresses for
        // tries the next.
        if (State == CallState.Connecting && failure is SessionFailure.HandshakeTimeout or SessionFailure.IdentityMismatch
            && call.Resolve is ResolveStage.Cached or ResolveStage.Found)
        {
            if (call.Resolve == ResolveStage.Cached)
            {
                Endpoints.Forget(call.DialedId);
            }

            _log($"call: {call.DialedId} not reachable at {session.Remote} ({failure}); trying further");
            call.Session = null;
            Resolve(call);
            return;
        }

        var reason = failure switch
        {
            SessionFailure.IdentityMismatch => CallEndReason.IdentityMismatch,
            SessionFailure.HandshakeTimeout or SessionFailure.PeerSilent => CallEndReason.Timeout,
            _ => CallEndReason.Error,
        };
        ChangeState(CallTrigger.SessionFailed, reason, message);
    }

    public void OnMedia(SecureSession session, uint sequence, ReadOnlySpan<byte> payload)
    {
        if (Current is { Media: { } media } call && call.Session == session)
        {
            media.OnMedia(sequence, payload);
        }
    }

    public void OnReport(SecureSession session, in ReceiverReport report)
    {
        if (Current is { Media: { } media } call && call.Session == session)
        {
            media.OnReport(report);
        }
    }

    public void OnSignal(SecureSession session, SignalMessage message)
    {
        _loop.AssertOnLoop();
        if (Current is { } call && call.Session == session)
        {
            OnCallSignal(call, message);
            return;
        }

        // A signal from a session that is not our call.
        switch (message.Kind)
        {
            case SignalKind.Invite when State == CallState.Idle:
                var verdict = Policy.Screen(session.PeerId);
                if (verdict is IncomingVerdict.Busy or IncomingVerdict.Refuse)
                {
                    // Nothing rings; the caller hears busy (do not disturb) or a rejection (unknown
                    // callers refused). Its repeated invites get the same answer until it gives up.
                    if (!_waiting.ContainsKey(session))
                    {
                        _log($"call: {(verdict == IncomingVerdict.Busy ? "busy (do not disturb)" : "refused")} for {session.PeerId}");
                    }

                    session.TrySendSignal(verdict == IncomingVerdict.Busy ? SignalKind.Busy : SignalKind.Reject,
                        verdict == IncomingVerdict.Busy ? null : "calls from unknown IDs are refused");
                    _waiting[session] = _time.GetTimestamp();
                    break;
                }

                _waiting.Remove(session);
                Current = new Call(session, CallDirection.Incoming, _time.GetUtcNow())
                {
                    PeerName = message.Text,
                    AnswerAllowed = verdict == IncomingVerdict.Ring,
                };
                ChangeState(CallTrigger.RemoteInvite);
                break;
            case SignalKind.Invite:
                // One call at a time: every invite of a second caller is answered busy; its session
                // is closed by Tick once it stops inviting.
                session.TrySendSignal(SignalKind.Busy);
                _waiting[session] = _time.GetTimestamp();
                break;
            case SignalKind.Hangup or SignalKind.Reject:
                session.TrySendSignal(SignalKind.HangupAck);
                break;
            default:
                break;
        }
    }

    private void OnCallSignal(Call call, SignalMessage message)
    {
        switch (message.Kind)
        {
            case SignalKind.Invite:
                // A repeat: the callee is still ringing (or has answered); say so again.
                if (State == CallState.RingingIn)
                {
                    Send(call, SignalKind.Ringing);
                }
                else if (State == CallState.InCall && call.Direction == CallDirection.Incoming)
                {
                    Send(call, SignalKind.Answer);
                }

                break;
            case SignalKind.Ringing:
                ChangeState(CallTrigger.RemoteRinging);
                break;
            case SignalKind.Answer:
                ChangeState(CallTrigger.RemoteAnswer);
                break;
            case SignalKind.Reject:
                call.Session!.TrySendSignal(SignalKind.HangupAck);
                ChangeState(CallTrigger.RemoteReject, CallEndReason.Rejected, "the callee rejected the call");
                break;
            case SignalKind.Busy:
                ChangeState(CallTrigger.RemoteBusy, CallEndReason.Busy, "the callee is in another call");
                break;
            case SignalKind.Hangup:
                call.Session!.TrySendSignal(SignalKind.HangupAck);
                ChangeState(CallTrigger.RemoteHangup, CallEndReason.Hangup, string.IsNullOrEmpty(message.Text) ? "the peer hung up" : message.Text);
                break;
            case SignalKind.HangupAck:
                ChangeState(CallTrigger.RemoteHangupAck);
                break;
            case SignalKind.OpenDoor:
                OnDoorRequest(call, message.Text);
                break;
            case SignalKind.DoorResult:
                OnDoorResult(call, message.Text);
                break;
            default:
                _log($"call: ignored signal {message.Kind} while {State.WireName()}");
                break;
        }
    }

    /// <summary>Called by the daemon every few tens of milliseconds on the loop: repeats the signal of
    /// the current state, and fires the ring and hang-up timeouts.</summary>
    public void Tick()
    {
        _loop.AssertOnLoop();
        ExpireWaitingSessions();
        if (Current is not { } call)
        {
            return;
        }

        bool repeat = Due(call.LastSignalTimestamp, _options.SignalRepeat);
        switch (State)
        {
            case CallState.Connecting:
                if (Due(call.StateTimestamp, _options.RingTimeout))
                {
                    ChangeState(CallTrigger.RingTimeout);
                }
                else if (repeat)
                {
                    Send(call, SignalKind.Invite, _options.Name);
                }

                break;
            case CallState.RingingOut:
            case CallState.RingingIn:
                if (Due(call.StateTimestamp, _options.RingTimeout))
                {
                    ChangeState(CallTrigger.RingTimeout);
                }

                break;
            case CallState.InCall:
                // The callee repeats ANSWER until the caller's media shows it arrived.
                if (call.Direction == CallDirection.Incoming && repeat && call.Media is { } media && media.Stats.FramesReceived == 0)
                {
                    Send(call, SignalKind.Answer);
                }

                RepeatDoorRequest(call);

                break;
            case CallState.Ending:
                if (call.Session is not { State: SessionState.Established } || Due(call.StateTimestamp, _options.EndingTimeout))
                {
                    ChangeState(CallTrigger.EndingTimeout);
                }
                else if (repeat)
                {
                    Send(call, call.EndingSignal);
                }

                break;
            case CallState.Idle:
                break;
            default:
                throw new InvalidOperationException($"no tick for {State}");
        }
    }

    private void ExpireWaitingSessions()
    {
        if (_waiting.Count == 0)
        {
            return;
        }

        List<SecureSession>? expired = null;
        foreach (var (session, since) in _waiting)
        {
            if (session.State == SessionState.Closed || Due(since, _options.InviteWait))
            {
                (expired ??= new()).Add(session);
            }
        }

        foreach (var session in expired ?? [])
        {
            _waiting.Remove(session);
            session.Close();
        }
    }

    /// <summary>The daemon is stopping: release the devices and forget every session's keys. Not a
    /// state change (nothing will observe it); a call in progress was hung up just before.</summary>
    public void Shutdown()
    {
        _loop.AssertOnLoop();
        if (Current is { } call)
        {
            Leave(CallState.InCall, call);
            call.Session?.Close();
        }

        foreach (var session in _waiting.Keys)
        {
            session.Close();
        }

        _waiting.Clear();
    }
}
