using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Dht.Storage;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>The server side: answers to the queries of BEP 5 "DHT Queries".</summary>
public sealed partial class DhtNode
{
    /// <summary>
    /// Room kept in a response for everything but the node lists and values: "d1:rd2:id20:..",
    /// "5:token8:..", "2:ip18:..", "1:t", "1:v4:..", "1:y1:r" come to about 110 bytes.
    /// </summary>
    private const int ResponseEnvelopeReserve = 128;

    private static readonly KrpcError BadToken = KrpcError.Create(KrpcErrorCode.Protocol, "bad token");
    private static readonly KrpcError MethodUnknown = KrpcError.Create(KrpcErrorCode.MethodUnknown, "method unknown");
    private static readonly KrpcError AnnounceRefused = KrpcError.Create(KrpcErrorCode.Generic, "announce refused: rate limited");

    // The node lists of the response being built: per thread, not per node (a simulation runs
    // 100,000 nodes), and only used between FindClosest and the write into the send buffer, which
    // happens before the datagram leaves, so a node answering from inside another's send is safe.
    [ThreadStatic]
    private static byte[]? t_nodeListBuffer;

    [ThreadStatic]
    private static CompactNode[]? t_nodeScratch;

    private static readonly Func<RoutingEntry, bool> IsIPv4Entry = static e => e.Endpoint.IsIPv4;
    private static readonly Func<RoutingEntry, bool> IsIPv6Entry = static e => !e.Endpoint.IsIPv4;

    private void HandleQuery(in KrpcMessage message, PeerEndpoint from)
    {
        if (!TakeQueryBudget(from))
        {
            return;
        }

        var query = message.Query!;
        Statistics.QueryReceived(query.Method);
        if (_punchWatch.Count != 0)
        {
            NoteCalleeSeen(query.Id, from);
        }

        Answer(message, query, from);
        if (!message.IsReadOnly && !query.Id.IsZero)
        {
            // Paper §2.2: every message updates the table (after answering, so a querier is not
            // sent back its own contact). BEP 43: a read-only node stays out.
            Table.Observe(query.Id, from, ObservationKind.QueryReceived);
        }
    }

    private void Answer(in KrpcMessage message, KrpcQuery query, PeerEndpoint from)
    {
        switch (query.Method)
        {
            case KrpcMethod.Ping:
                Respond(message, new KrpcResponse { Id = LocalId }, from);
                break;
            case KrpcMethod.FindNode:
            {
                var (nodes, nodes6) = ClosestNodes(query.Target, from, query.Want, valuesBytes: 0);
                Respond(message, new KrpcResponse { Id = LocalId, Nodes = nodes, Nodes6 = nodes6 }, from);
                break;
            }

            case KrpcMethod.GetPeers:
                AnswerGetPeers(message, query, from);
                break;
            case KrpcMethod.AnnouncePeer:
                AnswerAnnounce(message, query, from);
                break;
            case KrpcMethod.Punch:
                AnswerPunch(message, query, from);
                break;
            default:
                RespondError(message, MethodUnknown, from);
                break;
        }
    }

    /// <summary>
    /// BEP 5 "get_peers": a token for the requester's IP, the "values" we hold for the info-hash, and
    /// also the closest nodes, so a lookup converges on the k closest (where it announces) even when
    /// a node on the way already has values.
    /// </summary>
    private void AnswerGetPeers(in KrpcMessage message, KrpcQuery query, PeerEndpoint from)
    {
        byte[] token = _tokens.Issue(from);
        var peers = _peerStore.GetPeersForResponse(query.InfoHash);
        int valuesBytes = 0;
        CompactPeerList values = default;
        if (peers.Count > 0)
        {
            var array = new PeerEndpoint[peers.Count];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = peers[i];
                valuesBytes += peers[i].IsIPv4 ? PeerStoreLimits.BencodedIPv4ValueSize : PeerStoreLimits.BencodedIPv6ValueSize;
            }

            values = CompactPeerList.FromEndpoints(array);
        }

        var (nodes, nodes6) = ClosestNodes(query.InfoHash, from, query.Want, valuesBytes);
        Respond(message, new KrpcResponse { Id = LocalId, Nodes = nodes, Nodes6 = nodes6, Token = token, Values = values }, from);
    }

    /// <summary>
    /// BEP 5 "announce_peer": the token must be one we gave this IP address (else 203); the peer
    /// stored is the source IP with "port", or with the source port when implied_port is set.
    /// </summary>
    private void AnswerAnnounce(in KrpcMessage message, KrpcQuery query, PeerEndpoint from)
    {
        if (!_tokens.Validate(from, query.Token.Span))
        {
            RespondError(message, BadToken, from);
            return;
        }

        ushort port = query.ImpliedPort ? from.Port : query.Port;
        var result = _peerStore.Announce(query.InfoHash, from, port);
        if (result is AnnounceResult.RateLimited or AnnounceResult.Invalid)
        {
            RespondError(message, AnnounceRefused, from);
            return;
        }

        Statistics.PeerStored();
        Respond(message, new KrpcResponse { Id = LocalId }, from);
    }

    /// <summary>
    /// The closest nodes we know to <paramref name="target"/>, in "nodes" and/or "nodes6" (BEP 32:
    /// as "want" says, else the requester's own family). We return k (the paper's 20, where BEP 5
    /// returns 8): 20 × 26 = 520 bytes fits BEP 32's 1024-byte datagram; with both families, or
    /// with values beside them, as many as fit (14 of each with both families and no values).
    /// </summary>
    private (CompactNodeList Nodes, CompactNodeList Nodes6) ClosestNodes(NodeId target, PeerEndpoint from, KrpcWant want,
        int valuesBytes)
    {
        bool v4 = (want & KrpcWant.IPv4) != 0 || (want == KrpcWant.None && from.IsIPv4);
        bool v6 = (want & KrpcWant.IPv6) != 0 || (want == KrpcWant.None && !from.IsIPv4);
        int budget = DhtOptions.MaxResponseSize - ResponseEnvelopeReserve - valuesBytes;
        int perNode = (v4 ? CompactNode.IPv4Size : 0) + (v6 ? CompactNode.IPv6Size : 0);
        int count = Math.Clamp(budget / perNode, 0, _options.K);
        // Both lists fit the response budget, so they share one buffer: nodes first, nodes6 after.
        var buffer = t_nodeListBuffer ??= new byte[DhtOptions.MaxResponseSize];
        var nodes = v4 ? BuildNodeList(target, count, isIPv6: false, buffer) : default;
        var nodes6 = v6 ? BuildNodeList(target, count, isIPv6: true, buffer.AsMemory(nodes.Encoded.Length)) : default;
        return (nodes, nodes6);
    }

    private CompactNodeList BuildNodeList(NodeId target, int count, bool isIPv6, Memory<byte> buffer)
    {
        Table.FindClosest(target, count, _closestScratch, isIPv6 ? IsIPv6Entry : IsIPv4Entry);
        var scratch = t_nodeScratch ??= new CompactNode[DhtOptions.MaxResponseSize / CompactNode.IPv4Size];
        int n = Math.Min(_closestScratch.Count, scratch.Length);
        for (int i = 0; i < n; i++)
        {
            scratch[i] = new CompactNode(_closestScratch[i].Id, _closestScratch[i].Endpoint);
        }

        return CompactNodeList.WriteTo(scratch.AsSpan(0, n), isIPv6, buffer);
    }

    /// <summary>A response: every one carries our "id" (BEP 5) and the requester's address as we see it (BEP 42 "ip").</summary>
    private void Respond(in KrpcMessage query, KrpcResponse response, PeerEndpoint to)
    {
        Send(KrpcMessage.ForResponse(query.TransactionId, response, VersionBytes, requesterAddress: to), to);
        Statistics.ResponseSent();
    }

    private void RespondError(in KrpcMessage query, KrpcError error, PeerEndpoint to)
    {
        Send(KrpcMessage.ForError(query.TransactionId, error, VersionBytes, requesterAddress: to), to);
        Statistics.ErrorSent();
    }
}
