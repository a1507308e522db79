using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// Our own query "pt_punch" (DESIGN.md "Wire": KRPC plus our own query names where needed), the
/// relayed hole punch of issue 3 "NAT" (RFC 5128 §3.3 "UDP Hole Punching", with a DHT node that
/// holds the callee's announce as the rendezvous server):
/// <code>
/// caller → relay:  d1:ad2:id20:&lt;caller&gt;9:info_hash20:&lt;callee&gt;e1:q8:pt_punch1:t..1:y1:qe
/// relay → callee:  d1:ad4:addr6:&lt;caller as the relay saw it&gt;2:id20:&lt;relay&gt;9:info_hash20:&lt;callee&gt;e ...
/// callee → relay,
/// relay → caller:  d1:rd2:id20:..3:nati&lt;NatMapping&gt;ee ...    ("nat": the callee's mapping)
/// </code>
/// "addr" is a compact peer (6 or 18 bytes, BEP 5 "Contact Encoding" / BEP 32). Key order in "a":
/// addr &lt; id &lt; info_hash; in "r": id &lt; nat &lt; nodes.
/// </summary>
public static partial class KrpcCodec
{
    private static string? ReadPunch(in BencodeValue arguments, NodeId querier, out object? body)
    {
        body = null;
        if (!TryReadId(arguments, KrpcKeys.InfoHash, out var callee))
        {
            return "a.info_hash must be a 20-byte string";
        }

        PeerEndpoint? address = null;
        var addr = arguments.Get(KrpcKeys.PunchAddress);
        if (!addr.IsNone)
        {
            if (addr.Kind != BencodeKind.ByteString
                || CompactPeer.IsIPv4MappedIPv6Form(addr.Bytes.Span)
                || !CompactPeer.TryRead(addr.Bytes.Span, out var parsed)
                || parsed.Port == 0)
            {
                return "a.addr must be a 6- or 18-byte compact address with a port";
            }

            address = parsed;
        }

        body = KrpcQuery.Punch(querier, callee, address);
        return null;
    }

    /// <summary>"r.nat": an integer; values this version does not know read as <see cref="NatMapping.Unknown"/>.</summary>
    private static string? ReadNat(in BencodeValue values, out NatMapping? nat)
    {
        nat = null;
        var value = values.Get(KrpcKeys.Nat);
        if (value.IsNone)
        {
            return null;
        }

        if (value.Kind != BencodeKind.Integer)
        {
            return "r.nat must be an integer";
        }

        nat = value.Integer is >= (long)NatMapping.Unknown and <= (long)NatMapping.EndpointDependent
            ? (NatMapping)value.Integer
            : NatMapping.Unknown;
        return null;
    }

    private static void WritePunchArguments(ref BencodeWriter writer, KrpcQuery query)
    {
        if (query.PunchAddress is { } address)
        {
            Span<byte> compact = stackalloc byte[CompactPeer.IPv6Size];
            int length = CompactPeer.Write(address, compact);
            writer.WriteBytes(KrpcKeys.PunchAddress);
            writer.WriteBytes(compact[..length]);
        }

        WriteId(ref writer, KrpcKeys.Id, query.Id);
        WriteId(ref writer, KrpcKeys.InfoHash, query.InfoHash);
    }
}
