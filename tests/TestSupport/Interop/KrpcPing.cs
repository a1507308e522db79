using System.Net;
using System.Net.Sockets;
using System.Text;
using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.TestSupport.Interop;

/// <summary>
/// A hand-built BEP 5 "ping" query, independent of our bencode codec, to poke any KRPC node on
/// loopback and get its raw reply. The query is fixed bencode (BEP 3 dictionaries, keys sorted):
/// <code>
///  offset  0                 12                     32                        47    49          56
///          +-----------------+----------------------+-------------------------+-----+-----------+
///          | d1:ad2:id20:    | sender ID (20 bytes) | e1:q4:ping1:t2:         | tid | 1:y1:qe   |
///          +-----------------+----------------------+-------------------------+-----+-----------+
///          = {"a": {"id": ID}, "q": "ping", "t": tid, "y": "q"}    tid: 2-byte transaction ID
/// </code>
/// A conforming node answers {"r": {"id": ITS_ID}, "t": tid, "y": "r"} (BEP 5 "ping").
/// </summary>
public static class KrpcPing
{
    /// <summary>Transaction ID the brief's golden query uses ("aa").</summary>
    public static ReadOnlySpan<byte> DefaultTransactionId => "aa"u8;

    /// <summary>Length of a ping query with a 2-byte transaction ID.</summary>
    public const int QuerySize = TrailerOffset + TrailerSize;

    /// <summary>Where the sender's node ID starts.</summary>
    public const int SenderIdOffset = HeaderSize;

    /// <summary>Where the 2-byte transaction ID starts.</summary>
    public const int TransactionIdOffset = SenderIdOffset + NodeId.Size + MiddleSize;

    /// <summary>Bytes in the transaction ID this helper writes.</summary>
    public const int TransactionIdSize = 2;

    private const int TrailerOffset = TransactionIdOffset + TransactionIdSize;

    // Lengths of the three literal parts below.
    private const int HeaderSize = 12;
    private const int MiddleSize = 15;
    private const int TrailerSize = 7;

    // BEP 5 answers are small (a ping reply is under 100 bytes); 1500 covers any Ethernet datagram.
    private const int ReceiveBufferSize = 1500;

    private static ReadOnlySpan<byte> Header => "d1:ad2:id20:"u8;

    private static ReadOnlySpan<byte> Middle => "e1:q4:ping1:t2:"u8;

    private static ReadOnlySpan<byte> Trailer => "1:y1:qe"u8;

    /// <summary>Writes the ping query; returns <see cref="QuerySize"/>.</summary>
    public static int Write(NodeId senderId, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        if (transactionId.Length != TransactionIdSize)
        {
            throw new ArgumentException($"the transaction ID must be {TransactionIdSize} bytes", nameof(transactionId));
        }

        if (destination.Length < QuerySize)
        {
            throw new ArgumentException($"a ping query needs {QuerySize} bytes", nameof(destination));
        }

        Header.CopyTo(destination);
        senderId.WriteTo(destination[SenderIdOffset..]);
        Middle.CopyTo(destination[(SenderIdOffset + NodeId.Size)..]);
        transactionId.CopyTo(destination[TransactionIdOffset..]);
        Trailer.CopyTo(destination[TrailerOffset..]);
        return QuerySize;
    }

    /// <summary>
    /// Sends a ping with transaction ID "aa" from a fresh socket on 127.0.0.1 to
    /// <paramref name="target"/> (loopback only) and returns the first datagram that comes back
    /// from it, undecoded.
    /// </summary>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/> (default 5 s).</exception>
    public static async Task<byte[]> SendAsync(
        PeerEndpoint target, NodeId? senderId = null, TimeSpan? timeout = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        IPEndPoint remote = NpmDhtNode.RequireLoopback(target).ToIPEndPoint();
        var query = new byte[QuerySize];
        Write(senderId ?? NodeId.Random(), DefaultTransactionId, query);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(5);
        using var deadline = new CancellationTokenSource(limit, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var buffer = new byte[ReceiveBufferSize];
        try
        {
            await socket.SendToAsync(query, SocketFlags.None, remote, linked.Token).ConfigureAwait(false);
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), linked.Token).ConfigureAwait(false);
                if (remote.Equals(received.RemoteEndPoint))
                {
                    return buffer[..received.ReceivedBytes];
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no KRPC reply from {remote} within {limit.TotalSeconds} s");
        }
    }

    /// <summary>The bytes as text with non-printable bytes as \xNN, for assertion messages.</summary>
    public static string Printable(ReadOnlySpan<byte> datagram)
    {
        var text = new StringBuilder(datagram.Length);
        foreach (byte b in datagram)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : $"\\x{b:x2}");
        }

        return text.ToString();
    }
}
