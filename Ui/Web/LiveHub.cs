using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace PicoTalk.Ui.Web;

/// <summary>
/// The open WebSockets of the page (/api/ws) and what is pushed to them, as JSON text messages:
/// <c>{"type":"event","event":NAME,"data":{...}}</c>, <c>{"type":"status","status":{...}}</c>,
/// <c>{"type":"daemon","up":BOOL}</c> (ui-spec.md). Each socket has a bounded queue; a page that
/// does not keep up is closed (it reconnects) rather than slowing the others. Thread-safe.
/// </summary>
internal sealed class LiveHub
{
    /// <summary>Messages queued per socket; a second of status plus a burst of events fits many times.</summary>
    public const int QueueCapacity = 64;

    /// <summary>Open sockets at most; a page beyond that is refused (each holds a connection and a queue).</summary>
    public const int MaxClients = 32;

    private readonly Dictionary<Channel<byte[]>, WebSocket> _clients = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get { lock (_lock) { return _clients.Count; } }
    }

    public static byte[] EventMessage(string name, JsonElement data) => Write(w =>
    {
        w.WriteString("type", "event");
        w.WriteString("event", name);
        w.WritePropertyName("data");
        data.WriteTo(w);
    });

    public static byte[] StatusMessage(JsonElement status) => Write(w =>
    {
        w.WriteString("type", "status");
        w.WritePropertyName("status");
        status.WriteTo(w);
    });

    public static byte[] DaemonMessage(bool up) => Write(w =>
    {
        w.WriteString("type", "daemon");
        w.WriteBoolean("up", up);
    });

    public void Publish(byte[] message)
    {
        lock (_lock)
        {
            foreach (var (queue, socket) in _clients)
            {
                if (!queue.Writer.TryWrite(message))
                {
                    queue.Writer.TryComplete();
                    socket.Abort();
                }
            }
        }
    }

    /// <summary>Serves one accepted socket until it closes: <paramref name="first"/> messages, then what is published.</summary>
    public async Task ServeAsync(WebSocket socket, IEnumerable<byte[]> first, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
        foreach (byte[] message in first)
        {
            queue.Writer.TryWrite(message);
        }

        lock (_lock)
        {
            _clients[queue] = socket;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var sending = SendAsync(socket, queue.Reader, done.Token);
            // The page sends nothing; reading is how a close (or a dead peer) is noticed.
            var buffer = new byte[1024];
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, done.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, done.Token).ConfigureAwait(false);
                    break;
                }
            }

            await done.CancelAsync().ConfigureAwait(false);
            await sending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The page went away or was too slow, or the UI is stopping: drop the connection at once
            // (the page sees it close and reconnects).
            socket.Abort();
        }
        finally
        {
            lock (_lock)
            {
                _clients.Remove(queue);
            }
        }
    }

    private static async Task SendAsync(WebSocket socket, ChannelReader<byte[]> queue, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (byte[] message in queue.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
