namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>
/// How a node's NAT maps its one UDP socket, in the terms of RFC 4787 section 4.1 ("Address and
/// Port Mapping"), as a node learns it from the BEP 42 "ip" that other nodes report (see
/// <see cref="NatObserver"/>) and as the "nat" of a <c>pt_punch</c> response carries it. The values
/// are the integers on the wire.
/// </summary>
public enum NatMapping : byte
{
    /// <summary>Not known yet (fewer than two reporters), or a value a newer node sent that we do not know.</summary>
    Unknown = 0,

    /// <summary>
    /// RFC 4787 §4.1 "Endpoint-Independent Mapping": one public endpoint for every destination
    /// (a full or restricted cone, or no NAT at all). The endpoint the DHT stores is usable by all.
    /// </summary>
    EndpointIndependent = 1,

    /// <summary>
    /// RFC 4787 §4.1 "Address (and Port)-Dependent Mapping": a new public port per destination
    /// (a "symmetric" NAT). The endpoint one node sees is useless to any other node.
    /// </summary>
    EndpointDependent = 2,
}
