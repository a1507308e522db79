using PicoTalk.Protocol.Wire;

namespace PicoTalk.Service.Calls;

/// <summary>Finding the address of a call dialed by ID: the endpoint cache first, then the DHT.</summary>
public sealed partial class CallController
{
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
        _resolver.Resolve(call.DialedId, endpoints => OnResolved(call, endpoints));
    }

    private void OnResolved(Call call, IReadOnlyList<PeerEndpoint> endpoints)
    {
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
    }

    private void Connect(Call call, PeerEndpoint endpoint)
    {
        _log($"call: {call.DialedId} at {endpoint}");
        call.Session = Sessions!.Connect(endpoint, call.DialedId);
    }
}
