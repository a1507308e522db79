using PicoTalk.Protocol.Dht;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Lookup;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Dht.Node;

/// <summary>
/// When a lookup ends (<see cref="DhtOptions.LookupCompletion"/>): once the closest 8 live nodes
/// have answered (BEP 5's K = 8, libtorrent's choice), with announces to those 8; a dial-by-ID
/// lookup that finds nothing still asks the k = 20 closest. Sixteen nodes are in the table and
/// answer every query, naming nobody, so the queries sent are exactly the nodes the lookup wanted.
/// </summary>
public sealed class DhtLookupCompletionTests
{
    private const int Known = 16;

    [Fact]
    public void FindNode_AsksOnlyTheClosestEight_AndReturnsThem()
    {
        var rig = new DhtTestRig(seed: 21);
        var known = rig.Populate(Known);
        var target = rig.RandomId();
        int first = rig.Sender.Sent.Count;

        DhtLookupResult? result = null;
        rig.Node.Lookup(target, LookupKind.FindNode, r => result = r);
        var asked = AnswerAll(rig, known, first, token: null);

        Assert.NotNull(result);
        var closest8 = ClosestTo(target, known, DhtOptions.DefaultLookupCompletion);
        Assert.Equal(closest8, asked.OrderBy(id => target.Xor(id)).ToArray());
        Assert.Equal(closest8, result.ClosestNodes.Select(n => n.Id).ToArray());
        Assert.Equal(DhtOptions.DefaultLookupCompletion, result.Stats.QueriesSent);
    }

    [Fact]
    public void LookupCompletion_IsAnOption()
    {
        var rig = new DhtTestRig(seed: 22, new DhtOptions { LookupCompletion = 3 });
        var known = rig.Populate(Known);
        var target = rig.RandomId();
        int first = rig.Sender.Sent.Count;

        DhtLookupResult? result = null;
        rig.Node.Lookup(target, LookupKind.GetPeers, r => result = r);
        var asked = AnswerAll(rig, known, first, token: null);

        Assert.Equal(ClosestTo(target, known, 3), asked.OrderBy(id => target.Xor(id)).ToArray());
        Assert.Equal(3, result!.ClosestNodes.Count);
    }

    [Fact]
    public void DialThatFindsNothing_StillAsksTheKClosest()
    {
        var rig = new DhtTestRig(seed: 23);
        var known = rig.Populate(Known);
        int first = rig.Sender.Sent.Count;

        DhtLookupResult? result = null;
        rig.Node.LookupEndpoints(rig.RandomId(), r => result = r);
        var asked = AnswerAll(rig, known, first, token: null);

        // k = 20 > 16: every node known is asked before a dial gives up.
        Assert.Equal(Known, asked.Count);
        Assert.Empty(result!.Endpoints());
    }

    [Fact]
    public void Announce_GoesToTheClosestEightThatGaveAToken()
    {
        var rig = new DhtTestRig(seed: 24);
        var known = rig.Populate(Known);
        int first = rig.Sender.Sent.Count;

        rig.Node.Announce(7000);
        AnswerAll(rig, known, first, token: [1, 2, 3, 4]);

        var announcedTo = rig.Sender.Sent.Skip(first)
            .Where(s => KrpcCodec.TryRead(s.Datagram, out var m, out _) && m.Kind == KrpcMessageKind.Query
                        && m.Query!.Method == KrpcMethod.AnnouncePeer)
            .Select(s => known.Single(k => k.Endpoint == s.To).Id)
            .OrderBy(id => rig.LocalId.Xor(id))
            .ToArray();
        Assert.Equal(ClosestTo(rig.LocalId, known, DhtOptions.DefaultLookupCompletion), announcedTo);
        Assert.Equal(DhtOptions.DefaultLookupCompletion, rig.Node.Statistics.AnnouncesSent);
    }

    [Fact]
    public void LookupCompletion_AboveK_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DhtTestRig(options: new DhtOptions { LookupCompletion = 21 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DhtTestRig(options: new DhtOptions { LookupCompletion = 0 }));
    }

    /// <summary>Answers every find_node and get_peers the node sends from <paramref name="first"/> on, naming no nodes; returns who was asked.</summary>
    private static List<NodeId> AnswerAll(DhtTestRig rig, List<(NodeId Id, PeerEndpoint Endpoint)> known, int first, byte[]? token)
    {
        var asked = new List<NodeId>();
        for (int i = first; i < rig.Sender.Sent.Count; i++)
        {
            var (datagram, to) = rig.Sender.Sent[i];
            Assert.True(KrpcCodec.TryRead(datagram, out var message, out _));
            if (message.Kind != KrpcMessageKind.Query || message.Query!.Method is not (KrpcMethod.FindNode or KrpcMethod.GetPeers))
            {
                continue;
            }

            var id = known.Single(k => k.Endpoint == to).Id;
            asked.Add(id);
            var response = new KrpcResponse { Id = id, Token = token };
            var bytes = new byte[KrpcCodec.MaxMessageSize];
            int length = KrpcCodec.Write(KrpcMessage.ForResponse(message.TransactionId.ToArray(), response), bytes);
            rig.Node.Handle(bytes.AsSpan(0, length), to);
        }

        return asked;
    }

    private static NodeId[] ClosestTo(NodeId target, List<(NodeId Id, PeerEndpoint Endpoint)> known, int count) =>
        known.Select(k => k.Id).OrderBy(id => target.Xor(id)).Take(count).ToArray();
}
