using System.Net;
using System.Text.Json;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// A NAT router: a namespace with <c>lan</c> on the inside LAN and <c>wan</c> on the outside LAN,
/// IPv4 forwarding on and the nftables ruleset of <see cref="RulesetFor"/>.
/// </summary>
public sealed class Router : LabNamespace
{
    /// <summary>Interface names inside the router's namespace; the ruleset refers to them.</summary>
    public const string InsideInterface = "lan";

    public const string OutsideInterface = "wan";

    private const string Table = "picotalk_nat";
    private const string UnsolicitedCounter = "unsolicited";

    internal Router(NetworkLab lab, string shortName, string namespaceName, NatKind kind)
        : base(lab, shortName, namespaceName)
    {
        Kind = kind;
    }

    public NatKind Kind { get; }

    /// <summary>The router's address on the inside LAN: the inside hosts' default gateway.</summary>
    public IPAddress InsideAddress { get; private set; } = IPAddress.None;

    /// <summary>The router's address on the outside LAN: the source address outside hosts see.</summary>
    public IPAddress OutsideAddress { get; private set; } = IPAddress.None;

    /// <summary>The public address, as a string (like <see cref="Host.Address"/>).</summary>
    public string Address => OutsideAddress.ToString();

    /// <summary>The ruleset loaded into this router (for failure messages and docs).</summary>
    public string Ruleset => RulesetFor(Kind);

    /// <summary>
    /// The nftables ruleset of a router of <paramref name="kind"/> (nft(8), sections "NAT
    /// STATEMENTS" and "CONNTRACK EXPRESSIONS"):
    /// <list type="bullet">
    /// <item><c>masquerade</c> on <c>wan</c>: source NAT to the wan address. Linux NAT keeps the
    /// inside source port when the translated tuple is still unique (nf_nat_core
    /// get_unique_tuple), and a second destination gives a different tuple, so one inside socket
    /// keeps one public port for every destination: endpoint-independent mapping.</item>
    /// <item><c>masquerade fully-random</c>: NF_NAT_RANGE_PROTO_RANDOM_FULLY, a random public
    /// port for every new conntrack entry, i.e. per destination: a symmetric NAT.</item>
    /// <item>Filtering comes from conntrack: a datagram from outside is translated back only when
    /// it matches an entry that an inside packet created, i.e. came from an endpoint the inside
    /// socket sent to (address- and port-dependent filtering). Anything else is addressed to the
    /// router itself and meets the <c>input</c> chain.</item>
    /// <item><c>input</c> drops new flows from <c>wan</c> silently, as home routers do, and counts
    /// them. Dropping them before conntrack confirms them (confirmation is the last input hook)
    /// matters: a confirmed entry "outsider:q → router:P" would make the later inside flow
    /// "inside:p → outsider:q" clash with it, so NAT would pick another port and hole punching
    /// would fail where a real port-restricted cone lets it work.</item>
    /// <item><c>forward</c> lets inside hosts out and only replies (conntrack established or
    /// related) in.</item>
    /// </list>
    /// </summary>
    public static string RulesetFor(NatKind kind)
    {
        string masquerade = kind switch
        {
            NatKind.PortRestrictedCone => "masquerade",
            NatKind.Symmetric => "masquerade fully-random",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown NAT kind"),
        };
        return $$"""
            table ip {{Table}} {
                counter {{UnsolicitedCounter}} {
                }

                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "{{OutsideInterface}}" {{masquerade}}
                }

                chain forward {
                    type filter hook forward priority filter; policy drop;
                    iifname "{{InsideInterface}}" oifname "{{OutsideInterface}}" accept
                    iifname "{{OutsideInterface}}" oifname "{{InsideInterface}}" ct state established,related accept
                }

                chain input {
                    type filter hook input priority filter; policy accept;
                    iifname "{{OutsideInterface}}" ct state new counter name "{{UnsolicitedCounter}}" drop
                }
            }

            """;
    }

    internal void Create(Lan inside, Lan outside)
    {
        Ip("link", "set", "lo", "up");
        OutsideAddress = outside.Subnet.TakeHigh();
        outside.Plug(this, OutsideInterface, OutsideAddress);
        InsideAddress = inside.Subnet.TakeHigh();
        inside.Plug(this, InsideInterface, InsideAddress);
        if (outside.Gateway is not null)
        {
            // The outside LAN is itself behind a NAT: this router's traffic goes through that one.
            Ip("route", "add", "default", "via", outside.Gateway.ToString(), "dev", OutsideInterface);
        }

        Exec("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
        Exec("nft", ["-f", "-"], Ruleset);
        inside.SetGateway(InsideAddress);
    }

    /// <summary>How many new flows from outside the router has dropped (unsolicited datagrams).</summary>
    public async Task<long> CountUnsolicitedDropsAsync()
    {
        var result = await RunAsync("nft", "-j", "list", "counter", "ip", Table, UnsolicitedCounter);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"cannot read the nft counter of {Name}: {result}");
        }

        using var json = JsonDocument.Parse(result.Stdout);
        foreach (var item in json.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("counter", out var counter))
            {
                return counter.GetProperty("packets").GetInt64();
            }
        }

        throw new InvalidOperationException($"nft printed no counter for {Name}: {result.Stdout}");
    }
}
