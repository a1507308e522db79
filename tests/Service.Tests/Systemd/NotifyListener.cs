using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace PicoTalk.Service.Tests.Systemd;

/// <summary>
/// Plays the service manager's side of sd_notify(3) in tests: a bound Unix datagram socket, by path
/// or ('@' first) in the abstract namespace, whose messages are read with deadlines.
/// </summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly byte[] _buffer = new byte[4096];

    public NotifyListener(string name)
    {
        Name = name;
        _socket.Bind(new UnixDomainSocketEndPoint(name[0] == '@' ? "\0" + name[1..] : name));
    }

    /// <summary>The value a manager would put in NOTIFY_SOCKET.</summary>
    public string Name { get; }

    /// <summary>The next message, or null when none arrives within <paramref name="timeout"/>.</summary>
    public string? Receive(TimeSpan timeout)
    {
        if (!_socket.Poll(timeout, SelectMode.SelectRead))
        {
            return null;
        }

        int length = _socket.Receive(_buffer);
        return Encoding.UTF8.GetString(_buffer, 0, length);
    }

    /// <summary>Every message that arrives during <paramref name="duration"/>, with the time it was read.</summary>
    public List<(string Message, TimeSpan At)> ReceiveFor(TimeSpan duration, Stopwatch clock)
    {
        var received = new List<(string, TimeSpan)>();
        var end = clock.Elapsed + duration;
        while (clock.Elapsed < end && Receive(end - clock.Elapsed) is { } message)
        {
            received.Add((message, clock.Elapsed));
        }

        return received;
    }

    /// <summary>Reads whatever is queued now, without waiting.</summary>
    public List<string> Drain()
    {
        var queued = new List<string>();
        while (Receive(TimeSpan.Zero) is { } message)
        {
            queued.Add(message);
        }

        return queued;
    }

    public void Dispose() => _socket.Dispose();
}
