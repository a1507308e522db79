using System.Net;

namespace PicoTalk.TestSupport.Net;

/// <summary>A machine of the lab: a network namespace with <c>lo</c> up and one interface per LAN it is plugged into.</summary>
public sealed class Host : LabNamespace
{
    private readonly List<(Lan Lan, string Interface, IPAddress Address)> _interfaces = new();

    internal Host(NetworkLab lab, string shortName, string namespaceName)
        : base(lab, shortName, namespaceName)
    {
    }

    /// <summary>The address of the host's first interface (the first LAN it was connected to).</summary>
    public string Address => FirstAddress.ToString();

    public IPAddress FirstAddress => _interfaces.Count > 0
        ? _interfaces[0].Address
        : throw new InvalidOperationException($"host {ShortName} is not connected to any LAN yet");

    /// <summary>Every address of the host, in the order its LANs were connected.</summary>
    public IReadOnlyList<IPAddress> Addresses => _interfaces.Select(i => i.Address).ToList();

    /// <summary>The host's address on <paramref name="lan"/>.</summary>
    public IPAddress AddressOn(Lan lan) => Find(lan).Address;

    internal string InterfaceOn(Lan lan) => Find(lan).Interface;

    internal void Create() => Ip("link", "set", "lo", "up");

    /// <summary>Records a new interface; true when it is the host's first.</summary>
    internal bool AddInterface(Lan lan, string name, IPAddress address)
    {
        _interfaces.Add((lan, name, address));
        return _interfaces.Count == 1;
    }

    private (Lan Lan, string Interface, IPAddress Address) Find(Lan lan)
    {
        foreach (var entry in _interfaces)
        {
            if (ReferenceEquals(entry.Lan, lan))
            {
                return entry;
            }
        }

        throw new InvalidOperationException($"host {ShortName} is not connected to LAN {lan.ShortName}");
    }
}
