using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Dht.Krpc;

/// <summary>Writing: every dictionary's keys in the ascending order drawn in <see cref="KrpcCodec"/>.</summary>
public static partial class KrpcCodec
{
    /// <summary>
    /// Writes <paramref name="message"/>; returns its length. Throws <see cref="ArgumentException"/>
    /// if the destination is too small (size it with <see cref="MaxMessageSize"/> or
    /// <see cref="GetEncodedLength"/>) or the message is default.
    /// </summary>
    public static int Write(in KrpcMessage message, Span<byte> destination)
    {
        var writer = new BencodeWriter(destination);
        WriteMessage(ref writer, message);
        return writer.Position;
    }

    /// <summary>Writes if it fits; false (and nothing useful in the destination) otherwise.</summary>
    public static bool TryWrite(in KrpcMessage message, Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetEncodedLength(message);
        if (length > destination.Length)
        {
            return false;
        }

        written = Write(message, destination);
        return true;
    }

    public static int GetEncodedLength(in KrpcMessage message)
    {
        var writer = BencodeWriter.Measuring();
        WriteMessage(ref writer, message);
        return writer.Position;
    }

    private static void WriteMessage(ref BencodeWriter writer, in KrpcMessage message)
    {
        if (message.TransactionId.IsEmpty)
        {
            throw new ArgumentException("a default KrpcMessage cannot be written", nameof(message));
        }

        writer.WriteDictionaryStart();
        var query = message.Query;
        if (query is not null && (query.Method != KrpcMethod.Unknown || !query.Arguments.IsNone))
        {
            writer.WriteBytes(KrpcKeys.Arguments);
            WriteArguments(ref writer, query);
        }

        if (message.Error is { } error)
        {
            writer.WriteBytes(KrpcKeys.Error);
            writer.WriteListStart();
            writer.WriteInteger(error.Code);
            writer.WriteBytes(error.Message.Span);
            writer.WriteEnd();
        }

        if (message.RequesterAddress is { } address)
        {
            Span<byte> compact = stackalloc byte[CompactPeer.IPv6Size];
            int length = CompactPeer.Write(address, compact);
            writer.WriteBytes(KrpcKeys.RequesterAddress);
            writer.WriteBytes(compact[..length]);
        }

        if (query is not null)
        {
            writer.WriteBytes(KrpcKeys.QueryMethod);
            writer.WriteBytes(query.MethodName.Span);
        }

        if (message.Response is { } response)
        {
            writer.WriteBytes(KrpcKeys.Response);
            WriteReturnValues(ref writer, response);
        }

        if (message.IsReadOnly)
        {
            writer.WriteBytes(KrpcKeys.ReadOnly);
            writer.WriteInteger(1);
        }

        writer.WriteBytes(KrpcKeys.TransactionId);
        writer.WriteBytes(message.TransactionId.Span);
        if (message.Version is { } version)
        {
            writer.WriteBytes(KrpcKeys.Version);
            writer.WriteBytes(version.Span);
        }

        writer.WriteBytes(KrpcKeys.Type);
        Span<byte> kind = [(byte)message.Kind];
        writer.WriteBytes(kind);
        writer.WriteEnd();
    }

    // Key order: id < implied_port < info_hash < port < target < token < want (pt_punch: addr < id < info_hash).
    private static void WriteArguments(ref BencodeWriter writer, KrpcQuery query)
    {
        if (query.Method == KrpcMethod.Unknown)
        {
            writer.WriteValue(query.Arguments);
            return;
        }

        writer.WriteDictionaryStart();
        if (query.Method == KrpcMethod.Punch)
        {
            // "addr" sorts before "id".
            WritePunchArguments(ref writer, query);
            writer.WriteEnd();
            return;
        }

        WriteId(ref writer, KrpcKeys.Id, query.Id);
        switch (query.Method)
        {
            case KrpcMethod.FindNode:
                WriteId(ref writer, KrpcKeys.Target, query.Target);
                WriteWant(ref writer, query.Want);
                break;
            case KrpcMethod.GetPeers:
                WriteId(ref writer, KrpcKeys.InfoHash, query.InfoHash);
                WriteWant(ref writer, query.Want);
                break;
            case KrpcMethod.AnnouncePeer:
                if (query.ImpliedPort)
                {
                    writer.WriteBytes(KrpcKeys.ImpliedPort);
                    writer.WriteInteger(1);
                }

                WriteId(ref writer, KrpcKeys.InfoHash, query.InfoHash);
                writer.WriteBytes(KrpcKeys.Port);
                writer.WriteInteger(query.Port);
                writer.WriteBytes(KrpcKeys.Token);
                writer.WriteBytes(query.Token.Span);
                break;
        }

        writer.WriteEnd();
    }

    private static void WriteWant(ref BencodeWriter writer, KrpcWant want)
    {
        if (want == KrpcWant.None)
        {
            return;
        }

        writer.WriteBytes(KrpcKeys.Want);
        writer.WriteListStart();
        if ((want & KrpcWant.IPv4) != 0)
        {
            writer.WriteBytes(KrpcKeys.WantIPv4);
        }

        if ((want & KrpcWant.IPv6) != 0)
        {
            writer.WriteBytes(KrpcKeys.WantIPv6);
        }

        writer.WriteEnd();
    }

    // Key order: id < nat < nodes < nodes6 < token < values.
    private static void WriteReturnValues(ref BencodeWriter writer, KrpcResponse response)
    {
        writer.WriteDictionaryStart();
        WriteId(ref writer, KrpcKeys.Id, response.Id);
        if (response.Nat is { } nat)
        {
            writer.WriteBytes(KrpcKeys.Nat);
            writer.WriteInteger((int)nat);
        }
        if (response.Nodes.IsPresent)
        {
            RequireFamily(response.Nodes, isIPv6: false);
            writer.WriteBytes(KrpcKeys.Nodes);
            writer.WriteBytes(response.Nodes.Encoded.Span);
        }

        if (response.Nodes6.IsPresent)
        {
            RequireFamily(response.Nodes6, isIPv6: true);
            writer.WriteBytes(KrpcKeys.Nodes6);
            writer.WriteBytes(response.Nodes6.Encoded.Span);
        }

        if (response.Token is { } token)
        {
            writer.WriteBytes(KrpcKeys.Token);
            writer.WriteBytes(token.Span);
        }

        if (response.Values.IsPresent)
        {
            writer.WriteBytes(KrpcKeys.Values);
            writer.WriteValue(response.Values.List);
        }

        writer.WriteEnd();
    }

    private static void RequireFamily(CompactNodeList list, bool isIPv6)
    {
        if (list.IsIPv6 != isIPv6)
        {
            throw new ArgumentException(isIPv6
                ? "\"nodes6\" needs a list of 38-byte entries"
                : "\"nodes\" needs a list of 26-byte entries (IPv6 nodes go in \"nodes6\")");
        }
    }

    private static void WriteId(ref BencodeWriter writer, ReadOnlySpan<byte> key, NodeId id)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        writer.WriteBytes(key);
        writer.WriteBytes(bytes);
    }
}
