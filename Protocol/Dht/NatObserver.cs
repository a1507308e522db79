using System.Net;
using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht;

/// <summary>
/// Classifies our NAT from what other nodes say they see: every response carries the requester's
/// address (BEP 42 "ip"), so each responder is a free STUN server (RFC 5389 "binding", used as in
/// RFC 5780 §4.3 "Determining NAT Mapping Behavior": ask from one socket two servers at different
/// IP addresses and compare the mapped addresses).
/// <list type="bullet">
/// <item>Two reporters at different IP addresses that report the same endpoint: the mapping does not
/// depend on the destination, <see cref="NatMapping.EndpointIndependent"/> (RFC 4787 §4.1).</item>
/// <item>Two or more reporters that all see our one external IP address but each a different port:
/// <see cref="NatMapping.EndpointDependent"/>, a "symmetric" NAT.</item>
/// <item>Anything else (fewer than two reporters on the most reported address): <see cref="NatMapping.Unknown"/>.</item>
/// </list>
/// A single liar cannot turn an agreeing pair into "dependent": any two agreeing reporters win.
/// Bounded: the latest report of at most <see cref="MaxReporters"/> reporter addresses, each
/// forgotten after <see cref="ReportLifetime"/> (a NAT reboots, a laptop moves). Loop-owned.
/// </summary>
public sealed class NatObserver
{
    /// <summary>Reporter IP addresses remembered (the oldest report goes first).</summary>
    public const int MaxReporters = 8;

    /// <summary>
    /// How long a report counts. RFC 4787 REQ-5 asks NATs to keep an idle UDP mapping at least two
    /// minutes; beyond ten, a mapping a report describes may well be gone.
    /// </summary>
    public static readonly TimeSpan ReportLifetime = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time;
    private readonly (IpAddressKey Reporter, PeerEndpoint Reported, long At)[] _reports = new (IpAddressKey, PeerEndpoint, long)[MaxReporters];
    private readonly HashSet<IpAddressKey> _localAddresses = new();
    private int _count;

    public NatObserver(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Reports held now (for tests and status).</summary>
    public int ReportCount => _count;

    /// <summary>The mapping behaviour the current reports show.</summary>
    public NatMapping Mapping => Classify(out _);

    /// <summary>Our endpoint as the agreeing reporters see it, when the mapping is endpoint-independent.</summary>
    public PeerEndpoint? ConsistentEndpoint => Classify(out var endpoint) == NatMapping.EndpointIndependent ? endpoint : null;

    /// <summary>
    /// True when others see us at an address that is not one of ours (a NAT is between us and them),
    /// false when they see one of our own addresses (no NAT), null while we do not know: too few
    /// reports, or the local addresses were never given (<see cref="SetLocalAddresses"/>).
    /// </summary>
    public bool? IsBehindNat
    {
        get
        {
            var mapping = Classify(out var endpoint);
            if (mapping == NatMapping.EndpointDependent)
            {
                return true; // only a NAT rewrites ports per destination
            }

            if (mapping == NatMapping.Unknown || _localAddresses.Count == 0)
            {
                return null;
            }

            return !_localAddresses.Contains(IpAddressKey.Of(endpoint));
        }
    }

    /// <summary>The addresses of our own interfaces (the daemon reads them); an empty list means unknown.</summary>
    public void SetLocalAddresses(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        _localAddresses.Clear();
        foreach (var address in addresses)
        {
            _localAddresses.Add(IpAddressKey.Of(PeerEndpoint.FromIPEndPoint(new IPEndPoint(address, 1))));
        }
    }

    /// <summary>
    /// <paramref name="reporter"/> (a node that answered our query) saw our query come from
    /// <paramref name="reported"/>. A reporter's newer report replaces its older one.
    /// </summary>
    public void Report(PeerEndpoint reporter, PeerEndpoint reported)
    {
        if (reported.IsEmpty || reported.Port == 0)
        {
            return;
        }

        long now = _time.GetTimestamp();
        var key = IpAddressKey.Of(reporter);
        int slot = -1;
        int oldest = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_reports[i].Reporter == key)
            {
                slot = i;
                break;
            }

            if (_reports[i].At < _reports[oldest].At)
            {
                oldest = i;
            }
        }

        if (slot < 0)
        {
            slot = _count < MaxReporters ? _count++ : oldest;
        }

        _reports[slot] = (key, reported, now);
    }

    private NatMapping Classify(out PeerEndpoint agreed)
    {
        agreed = default;
        Expire();
        bool anyOnOneAddress = false;
        for (int i = 0; i < _count; i++)
        {
            var a = _reports[i].Reported;
            int sameAddress = 0;
            for (int j = 0; j < _count; j++)
            {
                var b = _reports[j].Reported;
                if (!a.SameAddress(b))
                {
                    continue;
                }

                if (j != i && a.Port == b.Port)
                {
                    // Reporter keys are distinct by construction: two different IPs agree.
                    agreed = a;
                    return NatMapping.EndpointIndependent;
                }

                sameAddress++;
            }

            anyOnOneAddress |= sameAddress >= 2;
        }

        // No two agree, yet two or more see the same address: the port changes with the destination.
        return anyOnOneAddress ? NatMapping.EndpointDependent : NatMapping.Unknown;
    }

    private void Expire()
    {
        long now = _time.GetTimestamp();
        for (int i = _count - 1; i >= 0; i--)
        {
            if (_time.GetElapsedTime(_reports[i].At, now) >= ReportLifetime)
            {
                _reports[i] = _reports[--_count];
            }
        }
    }
}
