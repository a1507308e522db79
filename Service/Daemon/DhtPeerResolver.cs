using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Daemon;

/// <summary>Resolves a dialed ID through the DHT: the peer announces its own ID as an info-hash, so
/// a get_peers lookup of the ID yields its endpoints (and the node itself, when it is among the
/// closest with exactly that ID), and the nodes that hold the announce, which relay hole punches.</summary>
internal sealed class DhtPeerResolver(DhtNode dht) : IPeerResolver
{
    public NatMapping LocalNat => dht.Nat;

    public void Resolve(NodeId id, Action<PeerResolution> done) =>
        dht.LookupEndpoints(id, result => done(new PeerResolution(result.Endpoints(),
            result.Holders.Select(h => new PunchRelay(h.Id, h.Endpoint)).ToArray())));

    public void RequestPunch(NodeId callee, PunchRelay relay, Action<PunchResult> done)
    {
        if (!dht.Options.EnableHolePunching)
        {
            done(PunchResult.Failed("hole punching is off here"));
            return;
        }

        dht.RequestPunch(relay.Endpoint, relay.Id, callee, done);
    }
}
