using System.Net.Sockets;
using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui;

/// <summary>The daemon cannot be reached at the control socket path (exit code 2).</summary>
public sealed class ControlUnavailableException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>The daemon broke the protocol: closed mid-request, sent a line that is no reply, timed out.</summary>
public sealed class ControlProtocolException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// A client of the daemon's control socket (DESIGN.md "Control socket"): one connection,
/// requests answered in order, pushed events read after <c>events</c>. Not thread-safe.
/// </summary>
public sealed class ControlClient : IAsyncDisposable
{
    /// <summary>Longest line accepted from the daemon; far above any reply or event it sends.</summary>
    public const int MaxReplyLineBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ControlLineReader _reader;
    private readonly Queue<ControlEvent> _pendingEvents = new();
    private long _nextId = 1;

    private ControlClient(Socket socket, string path)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new ControlLineReader(_stream, MaxReplyLineBytes);
        Path = path;
    }

    /// <summary>The socket path this client is connected to.</summary>
    public string Path { get; }

    /// <exception cref="ControlUnavailableException">Nothing listens at <paramref name="path"/>.</exception>
    public static async Task<ControlClient> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            socket.Dispose();
            throw new ControlUnavailableException($"cannot connect to picotalkd at {path}: {Explain(path, e)}", e);
        }

        return new ControlClient(socket, path);
    }

    /// <summary>Sends one request and returns its reply; events that arrive first are kept for <see cref="ReadEventAsync"/>.</summary>
    public async Task<ControlReply> RequestAsync(string cmd, JsonElement? args, CancellationToken cancellationToken)
    {
        var request = new ControlRequest(_nextId++, cmd, args);
        try
        {
            await _stream.WriteAsync(ControlLines.Encode(request), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new ControlProtocolException($"picotalkd at {Path} closed the connection: {e.Message}", e);
        }

        while (true)
        {
            var (reply, evt) = await ReadMessageAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ControlProtocolException($"picotalkd at {Path} closed the connection before replying to '{cmd}'");
            if (evt is not null)
            {
                _pendingEvents.Enqueue(evt);
            }
            else if (reply!.Id == request.Id || reply.Id == ControlLimits.UnknownId)
            {
                // Id 0: the daemon could not tie its error to a request (e.g. too many connections).
                return reply;
            }
        }
    }

    /// <summary>The next pushed event, or null once the daemon closes the connection.</summary>
    public async Task<ControlEvent?> ReadEventAsync(CancellationToken cancellationToken)
    {
        if (_pendingEvents.TryDequeue(out var pending))
        {
            return pending;
        }

        while (true)
        {
            if (await ReadMessageAsync(cancellationToken).ConfigureAwait(false) is not { } message)
            {
                return null;
            }

            if (message.Event is { } evt)
            {
                return evt;
            }

            // A stray reply has nobody waiting for it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    // .NET reports a missing socket file as "Cannot assign requested address"; say what it means.
    private static string Explain(string path, Exception e) => e switch
    {
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable } when !File.Exists(path) =>
            "no such socket (is picotalkd running?)",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
            "nothing is listening (picotalkd stopped?)",
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            "permission denied (the socket is for its owner and group only)",
        _ => e.Message,
    };

    private async Task<(ControlReply? Reply, ControlEvent? Event)?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        ControlLine line;
        try
        {
            line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new ControlProtocolException($"reading from picotalkd at {Path} failed: {e.Message}", e);
        }

        switch (line.Kind)
        {
            case ControlLineKind.End:
                return null;
            case ControlLineKind.TooLong:
                throw new ControlProtocolException($"picotalkd at {Path} sent a line longer than {MaxReplyLineBytes} bytes");
        }

        if (!ControlServerMessage.TryParse(line.Bytes.Span, out var reply, out var evt, out string problem))
        {
            throw new ControlProtocolException($"picotalkd at {Path} sent an invalid line: {problem}");
        }

        return (reply, evt);
    }
}
