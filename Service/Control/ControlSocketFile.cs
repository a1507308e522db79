using System.Net.Sockets;
using System.Text;

namespace PicoTalk.Service.Control;

/// <summary>
/// The control socket's file: binds a listening Unix stream socket at a path with mode 0660
/// (DESIGN.md "Control socket": owner and group may connect), replaces a stale file a dead daemon
/// left behind, refuses a path where another daemon still listens, and deletes the file on close.
/// Knows nothing of the protocol spoken over it (STYLE.md 11).
/// </summary>
internal static class ControlSocketFile
{
    /// <summary>Mode of the socket file: rw for owner and group, nothing for others.</summary>
    public const UnixFileMode Mode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Bytes of sun_path usable for a path (unix(7): 108 including the terminating NUL).</summary>
    public const int MaxPathBytes = 107;

    /// <summary>Binds and listens at <paramref name="path"/>; the caller owns the returned socket.</summary>
    /// <exception cref="ArgumentException">The path is empty or longer than sun_path allows.</exception>
    /// <exception cref="DirectoryNotFoundException">The parent directory does not exist.</exception>
    /// <exception cref="IOException">Another process listens at the path, or it cannot be bound.</exception>
    public static Socket Listen(string path, int backlog, Action<string>? log)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the control socket needs Unix file modes");
        }

        string fullPath = Validate(path);
        RemoveIfStale(fullPath, log);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(fullPath));
            // Before listen(2): nobody can connect until the mode is right.
            File.SetUnixFileMode(fullPath, Mode);
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new IOException($"control socket {fullPath} was created by another process while starting", e);
        }
        catch (Exception e) when (e is SocketException or UnauthorizedAccessException or IOException)
        {
            socket.Dispose();
            TryDelete(fullPath);
            throw new IOException($"cannot listen on control socket {fullPath}: {e.Message}", e);
        }
    }

    /// <summary>Deletes the socket file; a file that is already gone is not an error.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing left to do at shutdown; the next start replaces a stale file anyway.
        }
    }

    private static string Validate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        if (Encoding.UTF8.GetByteCount(fullPath) > MaxPathBytes)
        {
            throw new ArgumentException(
                $"control socket path {fullPath} is longer than the {MaxPathBytes} bytes a Unix socket address holds", nameof(path));
        }

        string? directory = Path.GetDirectoryName(fullPath);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"directory of control socket {fullPath} does not exist");
        }

        if (Directory.Exists(fullPath))
        {
            throw new IOException($"control socket path {fullPath} is a directory");
        }

        return fullPath;
    }

    /// <summary>
    /// A file at the path is either a live daemon's socket (connect succeeds: refuse to start) or
    /// a dead daemon's leftover (connect is refused: delete it so bind can succeed).
    /// </summary>
    private static void RemoveIfStale(string path, Action<string>? log)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                log?.Invoke($"control: removing stale socket file {path}");
                File.Delete(path);
                return;
            }
            catch (SocketException e)
            {
                throw new IOException($"cannot tell whether control socket {path} is in use: {e.Message}", e);
            }
        }

        throw new IOException($"another daemon is already listening on control socket {path}");
    }
}
