using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Daemon;

/// <summary>Resolves a dialed ID through the DHT: the peer announces its own ID as an info-hash, so
/// a get_peers lookup of the ID yields its endpoints (and the node itself, when it is among the
/// closest with exactly that ID).</summary>
internal sealed class DhtPeerResolver(DhtNode dht) : IPeerResolver
{
    public void Resolve(NodeId id, Action<IReadOnlyList<PeerEndpoint>> done) => dht.FindEndpoints(id, done);
}
