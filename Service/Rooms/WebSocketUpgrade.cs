using System.Security.Cryptography;
using System.Text;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// The server side of the WebSocket opening handshake (RFC 6455 §4.2), small enough to write here
/// because Service has no ASP.NET Core: read the HTTP/1.1 request head, check it is a GET of
/// <c>/ws</c> asking for a version 13 WebSocket upgrade, and answer 101 with
/// <c>Sec-WebSocket-Accept</c> = base64(SHA-1(key + GUID)) (§4.2.2 step 5.4). The framing after the
/// upgrade is System.Net.WebSockets' (<c>WebSocket.CreateFromStream</c>).
/// </summary>
internal static class WebSocketUpgrade
{
    public const string Path = "/ws";

    /// <summary>Our bound on the request head; browsers send well under 2 KB.</summary>
    public const int MaxRequestBytes = 8192;

    /// <summary>RFC 6455 §1.3.</summary>
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static string AcceptKey(string clientKey) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(clientKey.Trim() + AcceptGuid)));

    /// <summary>
    /// Checks a request head (up to and without the blank line) and gives the 101 response, or a
    /// 4xx response and false.
    /// </summary>
    public static bool TryAccept(string requestHead, out string response)
    {
        string[] lines = requestHead.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET" || !requestLine[2].StartsWith("HTTP/1.1", StringComparison.Ordinal))
        {
            response = Refusal("400 Bad Request");
            return false;
        }

        if (requestLine[1] != Path)
        {
            response = Refusal("404 Not Found");
            return false;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        // §4.2.1: Upgrade contains "websocket", Connection contains "Upgrade", version 13, a key.
        bool upgrade = headers.TryGetValue("Upgrade", out string? u) && u.Contains("websocket", StringComparison.OrdinalIgnoreCase);
        bool connection = headers.TryGetValue("Connection", out string? c) && c.Contains("upgrade", StringComparison.OrdinalIgnoreCase);
        bool version = headers.TryGetValue("Sec-WebSocket-Version", out string? v) && v == "13";
        if (!upgrade || !connection || !version || !headers.TryGetValue("Sec-WebSocket-Key", out string? key) || key.Length == 0)
        {
            response = Refusal("400 Bad Request");
            return false;
        }

        response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Accept: {AcceptKey(key)}\r\n\r\n";
        return true;
    }

    /// <summary>Reads the request head byte by byte up to the blank line (no read past it: the WebSocket frames follow); null if too long or closed.</summary>
    public static async Task<string?> ReadRequestHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new byte[MaxRequestBytes];
        int length = 0;
        var one = new byte[1];
        while (length < head.Length)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                return null;
            }

            head[length++] = one[0];
            if (length >= 4 && head[length - 4] == '\r' && head[length - 3] == '\n' && head[length - 2] == '\r' && head[length - 1] == '\n')
            {
                return Encoding.ASCII.GetString(head, 0, length - 4);
            }
        }

        return null;
    }

    private static string Refusal(string status) => $"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
}
