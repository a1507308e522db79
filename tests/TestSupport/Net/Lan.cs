using System.Net;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// An Ethernet segment: a Linux bridge inside a namespace of its own, so nothing of it shows in the
/// root namespace. <see cref="Connect"/> plugs a host in with a veth pair (veth(4)).
/// </summary>
public sealed class Lan : LabNamespace
{
    private const string BridgeName = "br0";

    internal Lan(NetworkLab lab, string shortName, string namespaceName, Subnet subnet)
        : base(lab, shortName, namespaceName)
    {
        Subnet = subnet;
    }

    public Subnet Subnet { get; }

    /// <summary>The inside address of the NAT router whose inside this LAN is, if any.</summary>
    public IPAddress? Gateway { get; private set; }

    private readonly List<Host> _hosts = new();

    internal void Create()
    {
        Ip("link", "set", "lo", "up");
        // Without an IGMP querier on the segment, snooping may stop forwarding a group once its
        // membership reports age out; a test LAN floods multicast like a plain switch instead.
        Ip("link", "add", BridgeName, "type", "bridge", "mcast_snooping", "0");
        Ip("link", "set", BridgeName, "up");
    }

    /// <summary>
    /// Plugs <paramref name="host"/> into this LAN: a veth pair with one end (ethN) in the host,
    /// addressed from the subnet, multicast on and a 224.0.0.0/4 route so group traffic leaves by it
    /// (BEP 14 discovery sends to 239.192.152.143), the other end on the bridge. A host plugged into
    /// the inside of a NAT router gets its default route through it. Returns the host's address.
    /// </summary>
    public IPAddress Connect(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!ReferenceEquals(host.Lab, Lab))
        {
            throw new ArgumentException($"host {host.ShortName} belongs to another lab", nameof(host));
        }

        var address = Subnet.TakeLow();
        string inside = Plug(host, host.NextInterfaceName("eth"), address);
        bool first = host.AddInterface(this, inside, address);
        if (first)
        {
            host.Ip("route", "add", "224.0.0.0/4", "dev", inside);
        }

        _hosts.Add(host);
        if (Gateway is not null)
        {
            host.Ip("route", "add", "default", "via", Gateway.ToString(), "dev", inside);
        }

        return address;
    }

    /// <summary>
    /// Makes the veth pair: created directly inside <paramref name="member"/> with its peer moved to
    /// this LAN's namespace in the same call, so no name is ever taken in the root namespace.
    /// </summary>
    internal string Plug(LabNamespace member, string inside, IPAddress address)
    {
        string port = NextInterfaceName("port");
        member.Ip("link", "add", inside, "type", "veth", "peer", "name", port, "netns", Name);
        Ip("link", "set", port, "master", BridgeName);
        Ip("link", "set", port, "up");
        member.Ip("link", "set", inside, "multicast", "on");
        member.Ip("address", "add", $"{address}/{Subnet.PrefixLength}", "dev", inside);
        member.Ip("link", "set", inside, "up");
        return inside;
    }

    /// <summary>Called once by the router for which this LAN is the inside: hosts already here get the route too.</summary>
    internal void SetGateway(IPAddress gateway)
    {
        if (Gateway is not null)
        {
            throw new InvalidOperationException($"LAN {ShortName} already has a NAT router ({Gateway})");
        }

        Gateway = gateway;
        foreach (var host in _hosts)
        {
            host.Ip("route", "add", "default", "via", gateway.ToString(), "dev", host.InterfaceOn(this));
        }
    }
}
