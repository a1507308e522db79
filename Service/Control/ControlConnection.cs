using System.Threading.Channels;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Service.Control;

/// <summary>
/// The control protocol on one connection, over a pair of streams and blind to the socket under
/// them (STYLE.md 11): reads request lines, answers each in order (pipelined requests included),
/// answers <c>events</c> itself by subscribing, and writes queued events between replies.
/// <code>
///   reader loop:  line -> parse -> bad_request | events (subscribe) | handler -> reply ─┐
///                                                                                        ├─ write lock -> output
///   event pump:   bounded queue (filled by TryEnqueueEvent, never blocks) -> event ───────┘
/// </code>
/// A bad line costs one <c>bad_request</c> reply, never the connection. A subscriber whose queue
/// overflows is too slow to keep up and is dropped (<see cref="TryEnqueueEvent"/> returns false).
/// </summary>
public sealed class ControlConnection
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly IControlHandler _handler;
    private readonly Action<string>? _log;
    private readonly Action? _closeTransport;
    private readonly Channel<byte[]> _events;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private volatile bool _subscribed;
    private int _closed;

    /// <param name="closeTransport">Closes the transport on <see cref="Abort"/>, so that reads and writes blocked on it end.</param>
    public ControlConnection(
        Stream input,
        Stream output,
        IControlHandler handler,
        int eventQueueCapacity,
        Action<string>? log = null,
        Action? closeTransport = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(eventQueueCapacity, 1);
        _input = input;
        _output = output;
        _handler = handler;
        _log = log;
        _closeTransport = closeTransport;
        _events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(eventQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>True once the client sent <c>events</c>.</summary>
    public bool IsSubscribed => _subscribed;

    /// <summary>
    /// Reads and answers requests until the input ends, <paramref name="cancellationToken"/> fires,
    /// the connection is aborted or the client stops taking bytes. Never throws for I/O failures.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var token = linked.Token;
        var pump = PumpEventsAsync(token);
        try
        {
            var reader = new ControlLineReader(_input);
            while (true)
            {
                var line = await reader.ReadLineAsync(token).ConfigureAwait(false);
                if (line.Kind == ControlLineKind.End)
                {
                    break;
                }

                var (reply, subscribes) = line.Kind == ControlLineKind.TooLong
                    ? (ControlReply.Failure(ControlLimits.UnknownId, ControlErrorCodes.BadRequest,
                        $"request line longer than {ControlLimits.MaxLineBytes} bytes"), false)
                    : await AnswerAsync(line.Bytes, token).ConfigureAwait(false);
                await WriteAsync(ControlLines.Encode(reply), token, subscribes).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        finally
        {
            Interlocked.Exchange(ref _closed, 1);
            _events.Writer.TryComplete();
            _lifetime.Cancel();
            await pump.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues an encoded event line for a subscribed connection without blocking. False when the
    /// queue is full: the caller should <see cref="Abort"/> the connection.
    /// </summary>
    public bool TryEnqueueEvent(byte[] line) => !_subscribed || _events.Writer.TryWrite(line) || Volatile.Read(ref _closed) != 0;

    /// <summary>Ends the connection from any thread; idempotent, and a no-op once it has ended.</summary>
    public void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _log?.Invoke($"control: dropping connection: {reason}");
        _events.Writer.TryComplete();
        _lifetime.Cancel();
        _closeTransport?.Invoke();
    }

    /// <summary>The reply to one line, and whether sending it subscribes the connection to events.</summary>
    private async Task<(ControlReply Reply, bool Subscribes)> AnswerAsync(ReadOnlyMemory<byte> line, CancellationToken token)
    {
        if (!ControlRequestParser.TryParse(line, out var request, out var badRequest))
        {
            return (badRequest!, false);
        }

        if (request!.Cmd == ControlCommands.Events)
        {
            return (ControlReply.Success(request.Id, new SubscribedResult(true), ControlJsonContext.Default.SubscribedResult), true);
        }

        ControlReply? reply;
        try
        {
            reply = await _handler.HandleAsync(request, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _log?.Invoke($"control: '{request.Cmd}' failed: {e}");
            return (ControlReply.Failure(request.Id, ControlErrorCodes.Internal, $"'{request.Cmd}' failed: {e.Message}"), false);
        }

        if (reply is null)
        {
            _log?.Invoke($"control: handler returned no reply to '{request.Cmd}'");
            return (ControlReply.Failure(request.Id, ControlErrorCodes.Internal, $"'{request.Cmd}' produced no reply"), false);
        }

        // The reply answers this request whatever id the handler put in it.
        return (reply.Id == request.Id ? reply : reply with { Id = request.Id }, false);
    }

    private async Task WriteAsync(byte[] line, CancellationToken token, bool subscribe)
    {
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            // Set under the lock that this reply holds: events queued from now on are written
            // after {"subscribed":true}, never before it.
            if (subscribe)
            {
                _subscribed = true;
            }

            await _output.WriteAsync(line, token).ConfigureAwait(false);
            await _output.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task PumpEventsAsync(CancellationToken token)
    {
        try
        {
            await foreach (var line in _events.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await WriteAsync(line, token, subscribe: false).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // A dead or dropped subscriber; the reader loop sees the same end.
            _lifetime.Cancel();
        }
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is OperationCanceledException or IOException or ObjectDisposedException
            or System.Net.Sockets.SocketException;
}
