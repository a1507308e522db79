using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Service.Calls;

/// <summary>Finding the address of a call dialed by ID: the endpoint cache first, then the DHT.</summary>
public sealed partial class CallController
{
    /// <summary>Relays asked to punch for one call: one is enough, three survive a lost or stale one.</summary>
    public const int MaxPunchRelays = 3;

    /// <summary>The message of a call that cannot work because both NATs map per destination.</summary>
    public const string SymmetricNatMessage =
        "both ends are behind symmetric NAT (RFC 4787 endpoint-dependent mapping): no direct path";

    /// <summary>Addresses the DHT gave that were not tried yet, for the current call.</summary>
    private readonly Queue<PeerEndpoint> _candidates = new();

    private void Resolve(Call call)
    {
        if (call.Resolve == ResolveStage.None)
        {
            _candidates.Clear();
            if (Endpoints.TryGet(call.DialedId, out var cached))
            {
                call.Resolve = ResolveStage.Cached;
                Connect(call, cached);
                return;
            }
        }

        if (call.Resolve == ResolveStage.Found && _candidates.TryDequeue(out var next))
        {
            Connect(call, next);
            return;
        }

        if (call.Resolve == ResolveStage.Found || _resolver is null)
        {
            ChangeState(CallTrigger.SessionFailed, CallEndReason.Timeout, $"{call.DialedId} did not answer at any address found");
            return;
        }

        call.Resolve = ResolveStage.Lookup;
        _log($"call: looking up {call.DialedId}");
        _resolver.Resolve(call.DialedId, resolution => OnResolved(call, resolution));
    }

    private void OnResolved(Call call, PeerResolution resolution)
    {
        var endpoints = resolution.Endpoints;
        _loop.AssertOnLoop();
        if (Current != call || State != CallState.Connecting || call.Session is not null)
        {
            return; // hung up meanwhile
        }

        if (endpoints.Count == 0)
        {
            ChangeState(CallTrigger.SessionFailed, CallEndReason.Timeout, $"{call.DialedId} was not found in the DHT");
            return;
        }

        call.Resolve = ResolveStage.Found;
        _candidates.Clear();
        foreach (var endpoint in endpoints.Skip(1).Take(4))
        {
            _candidates.Enqueue(endpoint);
        }

        Connect(call, endpoints[0]);
        RequestPunches(call, resolution.Relays);
    }

    /// <summary>
    /// Issue 3 "NAT": the handshake has just gone out, so our NAT now maps toward the callee; the
    /// relays ask the callee to send to us, which opens its NAT toward us, and the next
    /// retransmission of the handshake (every <see cref="SessionOptions.HandshakeRetransmit"/>,
    /// 250 ms) gets through. Each answer says the callee's NAT mapping: when both NATs map per
    /// destination no punched hole can work, and the call ends at once instead of timing out.
    /// </summary>
    private void RequestPunches(Call call, IReadOnlyList<PunchRelay> relays)
    {
        for (int i = 0; i < relays.Count && i < MaxPunchRelays; i++)
        {
            var relay = relays[i];
            _resolver!.RequestPunch(call.DialedId, relay, result => OnPunchResult(call, relay, result));
        }
    }

    private void OnPunchResult(Call call, PunchRelay relay, PunchResult result)
    {
        _loop.AssertOnLoop();
        if (Current != call || State != CallState.Connecting || call.Session is { State: SessionState.Established })
        {
            return;
        }

        if (!result.Answered)
        {
            _log($"call: punch via {relay.Endpoint} failed: {result.Error}");
            return;
        }

        var ours = _resolver!.LocalNat;
        _log($"call: {call.DialedId} punched via {relay.Endpoint}; its NAT mapping {result.CalleeNat}, ours {ours}");
        if (result.CalleeNat == NatMapping.EndpointDependent && ours == NatMapping.EndpointDependent)
        {
            ChangeState(CallTrigger.SessionFailed, CallEndReason.Unreachable, SymmetricNatMessage);
            return;
        }

        // A callee behind an endpoint-dependent ("symmetric") NAT pinged us from a port of its own
        // for us, not the one it announced (RFC 4787 §4.1): only that port lets our handshake in, so
        // the handshake moves there. Its ID is still checked (DESIGN.md), so a wrong address costs
        // nothing but this attempt.
        if (result.CalleeSeenAt is { } seen && call.Session is { State: SessionState.Handshaking } attempt && attempt.Remote != seen)
        {
            _log($"call: {call.DialedId} sent its punch from {seen}, not {attempt.Remote}; handshaking there");
            attempt.Close();
            Connect(call, seen);
        }
    }

    private void Connect(Call call, PeerEndpoint endpoint)
    {
        _log($"call: {call.DialedId} at {endpoint}");
        call.Session = Sessions!.Connect(endpoint, call.DialedId);
    }
}
