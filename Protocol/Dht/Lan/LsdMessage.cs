using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>
/// One BEP 14 (Local Service Discovery) announce: an HTTP-like request sent to a multicast group.
/// Reading is in <c>LsdMessage.Read.cs</c>, writing in <c>LsdMessage.Write.cs</c>.
/// </summary>
/// <remarks>
/// <code>
/// BT-SEARCH * HTTP/1.1\r\n                       request line, exact
/// Host: 239.192.152.143:6771\r\n                 group A, or [ff15::efc0:988f]:6771 for group B
/// Port: 5004\r\n                                 announcer's listening port, base 10
/// Infohash: &lt;40 hex&gt;\r\n                         one or more, consecutive (BEP 14 "ihash")
/// cookie: &lt;opaque&gt;\r\n                           optional: filters our own multicast echoes
/// X-PicoTalk-Id: &lt;40 hex&gt;\r\n                    optional, ours: the announcer's node ID
/// \r\n                                           end of headers
/// \r\n                                           BEP 14's example adds one more empty line
/// </code>
/// Whole datagram at most <see cref="LsdSpec.MaxDatagram"/> bytes. Header names match
/// case-insensitively, values lose surrounding spaces and tabs (RFC 7230 §3.2); unknown headers are
/// skipped (BEP 14 "Protocol") but count towards <see cref="LsdPicoTalk.MaxHeaders"/>.
/// </remarks>
public readonly partial struct LsdMessage : IEquatable<LsdMessage>
{
    private readonly NodeId[]? _infohashes;

    /// <summary>Builds an announce; throws <see cref="ArgumentException"/> for a value that could not be
    /// written or read back (empty or over-long host, port 0, no or too many infohashes, bad cookie).</summary>
    public LsdMessage(string host, ushort port, ReadOnlySpan<NodeId> infohashes, string? cookie = null, NodeId? picoTalkId = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!IsValidHost(host))
        {
            throw new ArgumentException(
                $"an LSD Host is 1..{LsdPicoTalk.MaxHostLength} characters of a host name or [IPv6] with an optional :port, got '{host}'",
                nameof(host));
        }

        if (port == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(port), "an LSD Port is 1..65535");
        }

        if (infohashes.IsEmpty || infohashes.Length > LsdPicoTalk.MaxInfohashes)
        {
            throw new ArgumentException(
                $"an LSD announce carries 1..{LsdPicoTalk.MaxInfohashes} infohashes, got {infohashes.Length}",
                nameof(infohashes));
        }

        if (cookie is not null && !IsValidCookie(cookie))
        {
            throw new ArgumentException(
                $"an LSD cookie is 1..{LsdPicoTalk.MaxCookieLength} visible ASCII characters, got '{cookie}'",
                nameof(cookie));
        }

        Host = host;
        Port = port;
        _infohashes = infohashes.ToArray();
        Cookie = cookie;
        PicoTalkId = picoTalkId;
    }

    // For the reader, which has validated every field already.
    private LsdMessage(string host, ushort port, NodeId[] infohashes, string? cookie, NodeId? picoTalkId)
    {
        Host = host;
        Port = port;
        _infohashes = infohashes;
        Cookie = cookie;
        PicoTalkId = picoTalkId;
    }

    /// <summary>The group the sender addressed, as it wrote it (BEP 14 "host").</summary>
    public string Host { get; }

    /// <summary>The port the announcer listens on; for us, its DHT's UDP port.</summary>
    public ushort Port { get; }

    /// <summary>Every Infohash header, in order; empty only for a default value.</summary>
    public ReadOnlySpan<NodeId> Infohashes => _infohashes;

    public string? Cookie { get; }

    /// <summary>The X-PicoTalk-Id header: the announcer's DHT node ID, if it sent one.</summary>
    public NodeId? PicoTalkId { get; }

    /// <summary>True if one of the Infohash headers is <paramref name="infohash"/>.</summary>
    public bool Announces(NodeId infohash) => Infohashes.Contains(infohash);

    public bool Equals(LsdMessage other) =>
        string.Equals(Host, other.Host, StringComparison.Ordinal)
        && Port == other.Port
        && Infohashes.SequenceEqual(other.Infohashes)
        && string.Equals(Cookie, other.Cookie, StringComparison.Ordinal)
        && PicoTalkId == other.PicoTalkId;

    public override bool Equals(object? obj) => obj is LsdMessage other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Host, StringComparer.Ordinal);
        hash.Add(Port);
        foreach (var infohash in Infohashes)
        {
            hash.Add(infohash);
        }

        hash.Add(Cookie, StringComparer.Ordinal);
        hash.Add(PicoTalkId);
        return hash.ToHashCode();
    }

    public static bool operator ==(LsdMessage left, LsdMessage right) => left.Equals(right);

    public static bool operator !=(LsdMessage left, LsdMessage right) => !left.Equals(right);

    public override string ToString() =>
        $"LSD host={Host} port={Port} infohashes={Infohashes.Length} cookie={Cookie ?? "-"} id={PicoTalkId?.ToString() ?? "-"}";

    /// <summary>Host characters: letters, digits and ".-:[]_%" (a name, an IPv4 or a bracketed IPv6
    /// literal with a zone, then ":port"; RFC 2616 §14.23, RFC 2732 §2).</summary>
    internal static bool IsValidHost(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > LsdPicoTalk.MaxHostLength)
        {
            return false;
        }

        foreach (char c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']' or '_' or '%'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Cookie characters: visible ASCII, no spaces (so trimming cannot change it).</summary>
    internal static bool IsValidCookie(ReadOnlySpan<char> cookie)
    {
        if (cookie.IsEmpty || cookie.Length > LsdPicoTalk.MaxCookieLength)
        {
            return false;
        }

        foreach (char c in cookie)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
