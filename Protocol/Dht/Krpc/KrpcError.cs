using System.Text;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>A KRPC error ("y" = "e", BEP 5 "Errors"): "e" = [code, message].</summary>
public sealed class KrpcError
{
    public KrpcError(int code, ReadOnlyMemory<byte> message)
    {
        Code = code;
        Message = message;
    }

    /// <summary>201..204 per BEP 5 (<see cref="KrpcErrorCode"/>); a peer may send others.</summary>
    public int Code { get; }

    /// <summary>The message bytes as received; BEP 5 calls them a string, usually ASCII.</summary>
    public ReadOnlyMemory<byte> Message { get; }

    public string MessageText => Encoding.UTF8.GetString(Message.Span);

    public static KrpcError Create(KrpcErrorCode code, string message) => new((int)code, Encoding.UTF8.GetBytes(message));
}
