namespace PicoTalk.TestSupport.Net;

/// <summary>
/// The NAT behaviours a lab router can show, in the terms of RFC 4787 (mapping section 4.1,
/// filtering section 5) and the older "cone" names of RFC 3489 section 5.
/// </summary>
public enum NatKind
{
    /// <summary>
    /// Endpoint-independent mapping (one public port per inside socket, whatever the destination),
    /// address-and-port-dependent filtering (only endpoints the inside socket sent to may answer):
    /// a port-restricted cone. Hole punching works through it.
    /// </summary>
    PortRestrictedCone,

    /// <summary>
    /// Address-and-port-dependent mapping: a new random public port for every destination, so the
    /// port a third party learns is useless to anyone else. Hole punching between two of these fails.
    /// </summary>
    Symmetric,
}
