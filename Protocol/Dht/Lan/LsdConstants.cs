using System.Security.Cryptography;
using System.Text;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>Fixed values of BEP 14 (Local Service Discovery), "Protocol" and "Usage".</summary>
public static class LsdSpec
{
    /// <summary>BEP 14 "Protocol": group A, org-local IPv4 (RFC 2365 239.192.0.0/14).</summary>
    public const string IPv4Group = "239.192.152.143";

    /// <summary>BEP 14 "Protocol": group B, site-local IPv6 (RFC 4291 §2.7 scope 5).</summary>
    public const string IPv6Group = "ff15::efc0:988f";

    /// <summary>BEP 14 "Protocol": the UDP port of both groups.</summary>
    public const int Port = 6771;

    /// <summary>The Host header for group A, "host:port" (RFC 2616 §14.23).</summary>
    public const string IPv4Host = "239.192.152.143:6771";

    /// <summary>The Host header for group B, IPv6 literal in brackets (RFC 2732 §2).</summary>
    public const string IPv6Host = "[ff15::efc0:988f]:6771";

    /// <summary>BEP 14 "ihash": hex-encoded, 40 characters.</summary>
    public const int InfohashHexLength = NodeId.HexLength;

    /// <summary>BEP 14 "ihash": "the packet length should not exceed 1400 bytes" (MTU, no fragments).</summary>
    public const int MaxDatagram = 1400;

    /// <summary>BEP 14 "Usage": announce every 5 minutes while participating.</summary>
    public static readonly TimeSpan AnnounceInterval = TimeSpan.FromMinutes(5);

    /// <summary>BEP 14 "Usage": "no more than 1 announce per minute" (we apply it to what we accept
    /// from one sender; our own start-up burst is a deliberate exception, see <see cref="LanDiscoveryLimits"/>).</summary>
    public static readonly TimeSpan MinAnnounceSpacing = TimeSpan.FromMinutes(1);

    // The request line and header names, spelled as in BEP 14's example (names match case-insensitively
    // on read, RFC 7230 §3.2).
    public static ReadOnlySpan<byte> RequestLine => "BT-SEARCH * HTTP/1.1"u8;
    public static ReadOnlySpan<byte> HostHeader => "Host"u8;
    public static ReadOnlySpan<byte> PortHeader => "Port"u8;
    public static ReadOnlySpan<byte> InfohashHeader => "Infohash"u8;
    public static ReadOnlySpan<byte> CookieHeader => "cookie"u8;
    public static ReadOnlySpan<byte> LineEnd => "\r\n"u8;
}

/// <summary>Our choices on top of BEP 14 (DESIGN.md "DHT": LAN discovery).</summary>
public static class LsdPicoTalk
{
    /// <summary>The ASCII string whose SHA-1 is the infohash every PicoTalk appliance announces.</summary>
    public const string InfohashSeed = "picotalk-appliance-lan-v1";

    /// <summary>Our extension header: the announcer's 40-hex node ID. BEP 14 "Protocol": headers a
    /// client does not understand are ignored, so other LSD clients are unaffected.</summary>
    public static ReadOnlySpan<byte> IdHeader => "X-PicoTalk-Id"u8;

    /// <summary>SHA-1("picotalk-appliance-lan-v1"): "a PicoTalk DHT node listens at this port".</summary>
    public static NodeId Infohash { get; } = NodeId.Read(SHA1.HashData(Encoding.ASCII.GetBytes(InfohashSeed)));

    /// <summary>Header lines accepted per announce, known or not (bounds parsing work).</summary>
    public const int MaxHeaders = 32;

    /// <summary>Infohash headers per announce: 26 such 52-byte lines already fill 1400 bytes.</summary>
    public const int MaxInfohashes = 20;

    /// <summary>Longest Host value: the IPv6 group's 22 characters, or a DNS name, fit easily.</summary>
    public const int MaxHostLength = 64;

    /// <summary>Longest cookie: BEP 14 calls it opaque; clients send a short hex number.</summary>
    public const int MaxCookieLength = 64;

    /// <summary>Longest decimal Port value ("65535").</summary>
    public const int MaxPortDigits = 5;
}
