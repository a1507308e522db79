using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// The value of "values" in a get_peers response: a list of compact peer infos, 6 bytes (IPv4) or
/// 18 bytes (IPv6) each; BEP 32 "values" says a reader must accept a mix of both. A view over the
/// received list. <c>default</c> means the key was absent.
/// </summary>
public readonly struct CompactPeerList
{
    private CompactPeerList(BencodeValue list)
    {
        List = list;
    }

    /// <summary>The bencode list as read or built (byte strings of 6 or 18 bytes).</summary>
    public BencodeValue List { get; }

    public bool IsPresent => List.Kind == BencodeKind.List;

    public int Count => List.Count;

    public PeerEndpoint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return CompactPeer.TryRead(List[index].Bytes.Span, out var endpoint) ? endpoint : default;
        }
    }

    /// <summary>Wraps a received value; false unless it is a list of 6- or 18-byte strings (a 203 in KRPC).</summary>
    public static bool TryCreate(in BencodeValue value, out CompactPeerList list)
    {
        list = default;
        if (value.Kind != BencodeKind.List)
        {
            return false;
        }

        for (int i = 0; i < value.Count; i++)
        {
            var item = value[i];
            if (item.Kind != BencodeKind.ByteString || item.Bytes.Length is not (CompactPeer.IPv4Size or CompactPeer.IPv6Size))
            {
                return false;
            }
        }

        list = new CompactPeerList(value);
        return true;
    }

    /// <summary>Encodes endpoints (allocates): 6 bytes for IPv4, 18 for IPv6.</summary>
    public static CompactPeerList FromEndpoints(ReadOnlySpan<PeerEndpoint> endpoints)
    {
        var items = new BencodeValue[endpoints.Length];
        for (int i = 0; i < endpoints.Length; i++)
        {
            var bytes = new byte[CompactPeer.GetSize(endpoints[i])];
            CompactPeer.Write(endpoints[i], bytes);
            items[i] = BencodeValue.FromBytes(bytes);
        }

        return new CompactPeerList(BencodeValue.List(items));
    }
}
