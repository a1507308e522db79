namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>The "y" of a KRPC message (BEP 5 "KRPC Protocol"); values are the wire bytes.</summary>
public enum KrpcMessageKind : byte
{
    Query = (byte)'q',
    Response = (byte)'r',
    Error = (byte)'e',
}

/// <summary>Error codes of BEP 5 "Errors". Other codes may arrive; the enum holds any int.</summary>
public enum KrpcErrorCode
{
    /// <summary>201 Generic Error.</summary>
    Generic = 201,

    /// <summary>202 Server Error.</summary>
    Server = 202,

    /// <summary>203 Protocol Error, such as a malformed packet, invalid arguments, or bad token.</summary>
    Protocol = 203,

    /// <summary>204 Method Unknown.</summary>
    MethodUnknown = 204,
}

/// <summary>The query methods of BEP 5 "DHT Queries"; anything else is <see cref="Unknown"/>.</summary>
public enum KrpcMethod : byte
{
    /// <summary>A method name we do not implement: answer with <see cref="KrpcErrorCode.MethodUnknown"/>.</summary>
    Unknown = 0,
    Ping,
    FindNode,
    GetPeers,
    AnnouncePeer,

    /// <summary>Our own "pt_punch": relayed hole punching (<see cref="KrpcCodec"/>, KrpcCodec.Punch.cs).</summary>
    Punch,
}

/// <summary>BEP 32 "want": which node lists the requester asks for. None = the key is absent.</summary>
[Flags]
public enum KrpcWant : byte
{
    None = 0,

    /// <summary>"n4": include "nodes".</summary>
    IPv4 = 1,

    /// <summary>"n6": include "nodes6".</summary>
    IPv6 = 2,
}
