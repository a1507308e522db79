using System.Net.Sockets;
using System.Text;

namespace PicoTalk.Service.Systemd;

/// <summary>
/// Tells the service manager how the daemon is doing, as sd_notify(3) does, without libsystemd: one
/// Unix datagram per message, sent to the socket named by <c>$NOTIFY_SOCKET</c>, holding
/// newline-separated <c>KEY=VALUE</c> assignments (<c>READY=1</c>, <c>STATUS=...</c>, <c>STOPPING=1</c>,
/// <c>WATCHDOG=1</c>). A name starting with '@' is in the Linux abstract namespace (unix(7)): the '@'
/// stands for the leading NUL byte. Where the variable is unset (not started by systemd, or a unit
/// that is not <c>Type=notify</c>) the notifier does nothing, so callers need no checks of their own.
/// </summary>
/// <remarks>
/// The socket is unconnected and every message names its destination, so a manager that re-executes
/// itself (<c>systemctl daemon-reexec</c>) and binds the path again still hears us. Sending never
/// throws: a manager that is gone is no reason for the daemon to fail. Thread-safe.
/// </remarks>
public sealed class SystemdNotifier : IDisposable
{
    /// <summary>sd_notify(3)'s variable naming the manager's socket.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    /// <summary>Our choice: the longest a send may block (see the constructor).</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;
    private string? _status;
    private bool _disposed;

    /// <summary>A notifier that sends to <paramref name="socketName"/> (an absolute path, or '@' and an
    /// abstract name); null, empty or any other form gives one that does nothing, as sd_notify(3)
    /// sends nothing then.</summary>
    public SystemdNotifier(string? socketName)
    {
        _target = ParseSocketName(socketName);
        if (_target is not null)
        {
            // The watchdog pings from the event loop: a manager whose queue stays full may cost the
            // loop this long per message, never longer (SO_SNDTIMEO, socket(7)).
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified)
            {
                SendTimeout = (int)SendTimeout.TotalMilliseconds,
            };
        }
    }

    /// <summary>The notifier for this process, from <c>$NOTIFY_SOCKET</c>.</summary>
    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable(SocketVariable));

    /// <summary>Whether a manager listens (the variable named a usable socket).</summary>
    public bool IsEnabled => _target is not null;

    /// <summary>The last status sent, if any.</summary>
    public string? LastStatus
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Start-up is complete (the daemon serves): <c>READY=1</c> with a status line in the same
    /// datagram, so <c>systemctl status</c> shows it from the first moment the unit is active.</summary>
    public bool Ready(string status)
    {
        lock (_gate)
        {
            _status = OneLine(status);
            return Send($"READY=1\nSTATUS={_status}");
        }
    }

    /// <summary>A free-form status line (<c>STATUS=</c>), sent only when it differs from the last one
    /// so a caller may report its state on every change of anything without flooding the manager.</summary>
    public bool Status(string status)
    {
        string line = OneLine(status);
        lock (_gate)
        {
            if (line == _status)
            {
                return false;
            }

            _status = line;
            return Send($"STATUS={line}");
        }
    }

    /// <summary>Shutdown has begun (<c>STOPPING=1</c>): the manager shows the unit as deactivating.</summary>
    public bool Stopping()
    {
        lock (_gate)
        {
            return Send("STOPPING=1");
        }
    }

    /// <summary>The keep-alive ping (<c>WATCHDOG=1</c>) that resets the manager's watchdog timer
    /// (<c>WatchdogSec=</c> in systemd.service(5)).</summary>
    public bool Watchdog()
    {
        lock (_gate)
        {
            return Send("WATCHDOG=1");
        }
    }

    /// <summary>
    /// The endpoint for a <c>$NOTIFY_SOCKET</c> value, or null where sd_notify(3) would not send:
    /// unset or empty, neither an absolute path nor '@' and a name (systemd 252 knows no other form),
    /// or too long for <c>sun_path</c> (108 bytes, unix(7)).
    /// </summary>
    internal static UnixDomainSocketEndPoint? ParseSocketName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length < 2 || (name[0] != '/' && name[0] != '@'))
        {
            return null;
        }

        // .NET reads a leading NUL as the abstract namespace and then sends exactly the name's bytes,
        // with no trailing NUL, which is the address length systemd binds its abstract socket with.
        string path = name[0] == '@' ? "\0" + name[1..] : name;
        try
        {
            return new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A value must not end the assignment early: sd_notify(3) splits on newlines.</summary>
    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();

    /// <summary>Under the gate: one datagram; false when disabled or when the manager cannot be reached.</summary>
    private bool Send(string message)
    {
        if (_socket is null || _disposed)
        {
            return false;
        }

        try
        {
            return _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _target!) > 0;
        }
        catch (SocketException)
        {
            // ENOENT or ECONNREFUSED (no manager bound there), EAGAIN (its queue is full): the
            // message is lost, as with sd_notify(3), and the daemon goes on.
            return false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _socket?.Dispose();
        }
    }
}
