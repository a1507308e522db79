using System.Net.Sockets;
using System.Text;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests;

/// <summary>
/// A stand-in daemon that accepts one client, hands the test its first request line and then
/// sends whatever lines the test writes, byte for byte, so the client's handling of each is seen.
/// </summary>
internal sealed class ScriptedDaemon : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ptcli-");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private Socket? _client;
    private ControlLineReader? _reader;

    public ScriptedDaemon()
    {
        SocketPath = Path.Combine(_directory.FullName, "control.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
    }

    public string SocketPath { get; }

    /// <summary>Accepts the client and returns its next request line.</summary>
    public async Task<string> ReadRequestAsync()
    {
        if (_client is null)
        {
            _client = await _listener.AcceptAsync().WaitAsync(Timeout);
            _reader = new ControlLineReader(new NetworkStream(_client, ownsSocket: false));
        }

        var line = await _reader!.ReadLineAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(ControlLineKind.Line, line.Kind);
        return Encoding.UTF8.GetString(line.Bytes.Span);
    }

    public async Task SendAsync(string text) =>
        await _client!.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None).WaitAsync(Timeout);

    /// <summary>Closes the client's connection, as a daemon that stops does.</summary>
    public void CloseClient() => _client?.Shutdown(SocketShutdown.Both);

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _listener.Dispose();
        _directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
