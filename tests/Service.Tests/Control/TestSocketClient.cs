using System.Net.Sockets;
using System.Text;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Service.Tests.Control;

/// <summary>A raw line client of the control socket, to see exactly what the server sends.</summary>
internal sealed class TestSocketClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ControlLineReader _reader;

    private TestSocketClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new ControlLineReader(_stream, 1024 * 1024);
    }

    public static async Task<TestSocketClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Timeout);
        return new TestSocketClient(socket);
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(Timeout);

    public Task SendLineAsync(string line) => SendAsync(line + "\n");

    /// <summary>The next line, or null at the end of the stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var line = await _reader.ReadLineAsync().AsTask().WaitAsync(Timeout);
        return line.Kind switch
        {
            ControlLineKind.Line => Encoding.UTF8.GetString(line.Bytes.Span),
            ControlLineKind.End => null,
            _ => throw new InvalidDataException("server sent an overlong line"),
        };
    }

    /// <summary>Counts lines until the server closes the connection (end or reset).</summary>
    public async Task<int> CountLinesUntilClosedAsync()
    {
        int count = 0;
        try
        {
            while (await ReadLineAsync() is not null)
            {
                count++;
            }
        }
        catch (IOException)
        {
            // A reset: the server dropped us with unread data in flight.
        }

        return count;
    }

    public async Task<string> RequestAsync(string line)
    {
        await SendLineAsync(line);
        return await ReadLineAsync() ?? throw new EndOfStreamException("server closed the connection");
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
