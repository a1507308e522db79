using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// Whether a message the codec accepted will be written back byte for byte. The typed model drops
/// what BEP 5 says to ignore, so these inputs come back different, and only these:
/// unknown keys (forward compatibility), unknown or repeated BEP 32 "want" flags (or "n6" before
/// "n4", or an empty list), "implied_port" 0 (the same as absent) or above 1, and "ro" 0.
/// </summary>
internal static class KrpcNormalForm
{
    private static readonly string[] QueryKeys = ["a", "ip", "q", "ro", "t", "v", "y"];
    private static readonly string[] ResponseKeys = ["ip", "r", "ro", "t", "v", "y"];
    private static readonly string[] ErrorKeys = ["e", "ip", "ro", "t", "v", "y"];
    private static readonly string[] ReturnValueKeys = ["id", "nodes", "nodes6", "token", "values"];

    public static bool IsNormal(in BencodeValue root)
    {
        var kind = KrpcSamples.Text(root.Get("y"u8).Bytes.Span);
        if (!root.Get("ro"u8).IsNone && root.Get("ro"u8).Integer != 1)
        {
            return false;
        }

        switch (kind)
        {
            case "q":
                return OnlyKeys(root, QueryKeys) && ArgumentsAreNormal(root);
            case "r":
                return OnlyKeys(root, ResponseKeys) && OnlyKeys(root.Get("r"u8), ReturnValueKeys);
            default:
                return OnlyKeys(root, ErrorKeys);
        }
    }

    private static bool ArgumentsAreNormal(in BencodeValue root)
    {
        var arguments = root.Get("a"u8);
        switch (KrpcQuery.MethodOf(root.Get("q"u8).Bytes.Span))
        {
            case KrpcMethod.Ping:
                return OnlyKeys(arguments, ["id"]);
            case KrpcMethod.FindNode:
                return OnlyKeys(arguments, ["id", "target", "want"]) && WantIsNormal(arguments.Get("want"u8));
            case KrpcMethod.GetPeers:
                return OnlyKeys(arguments, ["id", "info_hash", "want"]) && WantIsNormal(arguments.Get("want"u8));
            case KrpcMethod.AnnouncePeer:
                var implied = arguments.Get("implied_port"u8);
                return OnlyKeys(arguments, ["id", "implied_port", "info_hash", "port", "token"]) && (implied.IsNone || implied.Integer == 1);
            default:
                return true; // unknown methods keep their arguments verbatim
        }
    }

    private static bool WantIsNormal(BencodeValue want)
    {
        if (want.IsNone)
        {
            return true;
        }

        var text = string.Join(",", Enumerable.Range(0, want.Count).Select(i => KrpcSamples.Text(want[i].Bytes.Span)));
        return text is "n4" or "n6" or "n4,n6";
    }

    private static bool OnlyKeys(in BencodeValue dictionary, string[] allowed)
    {
        for (int i = 0; i < dictionary.Count; i++)
        {
            if (!allowed.Contains(KrpcSamples.Text(dictionary.KeyAt(i).Span)))
            {
                return false;
            }
        }

        return true;
    }
}
