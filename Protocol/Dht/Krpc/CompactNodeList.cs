namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// The value of "nodes" (26-byte entries) or "nodes6" (38-byte entries, BEP 32): a view over the
/// received bytes, decoded entry by entry, so reading a response copies nothing.
/// <c>default</c> means the key was absent (<see cref="IsPresent"/> false); an empty string is present with 0 entries.
/// </summary>
public readonly struct CompactNodeList
{
    private CompactNodeList(ReadOnlyMemory<byte> encoded, bool isIPv6)
    {
        Encoded = encoded;
        IsIPv6 = isIPv6;
        IsPresent = true;
    }

    /// <summary>The raw string as on the wire (a whole number of entries).</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>True for "nodes6" (38-byte entries), false for "nodes" (26-byte entries).</summary>
    public bool IsIPv6 { get; }

    public bool IsPresent { get; }

    public int EntrySize => IsIPv6 ? CompactNode.IPv6Size : CompactNode.IPv4Size;

    public int Count => IsPresent ? Encoded.Length / EntrySize : 0;

    public CompactNode this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var entry = Encoded.Span.Slice(index * EntrySize, EntrySize);
            // Lengths were checked when the list was made, so the entry always decodes.
            return IsIPv6
                ? (CompactNode.TryReadIPv6(entry, out var v6) ? v6 : default)
                : (CompactNode.TryReadIPv4(entry, out var v4) ? v4 : default);
        }
    }

    /// <summary>Wraps received bytes; false when the length is not a whole number of entries (a 203 in KRPC).</summary>
    public static bool TryCreate(ReadOnlyMemory<byte> encoded, bool isIPv6, out CompactNodeList list)
    {
        int size = isIPv6 ? CompactNode.IPv6Size : CompactNode.IPv4Size;
        list = encoded.Length % size == 0 ? new CompactNodeList(encoded, isIPv6) : default;
        return list.IsPresent;
    }

    /// <summary>
    /// Encodes <paramref name="nodes"/> (allocates the string). Throws for an IPv6 endpoint in an
    /// IPv4 list: an IPv6 node can only travel in "nodes6".
    /// </summary>
    public static CompactNodeList FromNodes(ReadOnlySpan<CompactNode> nodes, bool isIPv6)
    {
        int size = isIPv6 ? CompactNode.IPv6Size : CompactNode.IPv4Size;
        return WriteTo(nodes, isIPv6, new byte[nodes.Length * size]);
    }

    /// <summary>
    /// Encodes <paramref name="nodes"/> into the start of <paramref name="buffer"/> (no allocation;
    /// the list is a view of the buffer, valid until the caller reuses it). Throws when the buffer
    /// is too small, or for an IPv6 endpoint in an IPv4 list.
    /// </summary>
    public static CompactNodeList WriteTo(ReadOnlySpan<CompactNode> nodes, bool isIPv6, Memory<byte> buffer)
    {
        int size = isIPv6 ? CompactNode.IPv6Size : CompactNode.IPv4Size;
        var bytes = buffer[..(nodes.Length * size)];
        for (int i = 0; i < nodes.Length; i++)
        {
            var entry = bytes.Span.Slice(i * size, size);
            if (isIPv6)
            {
                CompactNode.WriteIPv6(nodes[i], entry);
            }
            else
            {
                CompactNode.WriteIPv4(nodes[i], entry);
            }
        }

        return new CompactNodeList(bytes, isIPv6);
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Allocation-free foreach over the entries.</summary>
    public struct Enumerator
    {
        private readonly CompactNodeList _list;
        private int _index;

        internal Enumerator(CompactNodeList list)
        {
            _list = list;
            _index = -1;
        }

        public readonly CompactNode Current => _list[_index];

        public bool MoveNext() => ++_index < _list.Count;
    }
}
