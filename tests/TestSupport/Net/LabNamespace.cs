using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace PicoTalk.TestSupport.Net;

/// <summary>
/// One Linux network namespace of a <see cref="NetworkLab"/> (a host, a router or a LAN's bridge).
/// Programs run in it through <c>ip netns exec</c> (ip-netns(8)); sockets for in-process tests are
/// created by a thread that joins it with setns(2), so a test can talk from inside without a helper
/// program.
/// </summary>
public abstract partial class LabNamespace
{
    private readonly NetworkLab _lab;
    private int _nextInterface;

    private protected LabNamespace(NetworkLab lab, string shortName, string namespaceName)
    {
        _lab = lab;
        ShortName = shortName;
        Name = namespaceName;
    }

    /// <summary>The name given to <c>AddHost</c>/<c>AddLan</c>/<c>AddNatRouter</c>.</summary>
    public string ShortName { get; }

    /// <summary>The namespace name, as <c>ip netns list</c> shows it.</summary>
    public string Name { get; }

    internal NetworkLab Lab => _lab;

    /// <summary>The next free interface name in this namespace (names are per namespace).</summary>
    internal string NextInterfaceName(string stem) => $"{stem}{_nextInterface++}";

    /// <summary>Runs <c>ip -n NAME args</c> and throws with its output when it fails.</summary>
    internal void Ip(params string[] args) => LabCommand.Check("ip", ["-n", Name, .. args]);

    /// <summary>Runs a program in this namespace with the root's view of files and its own network.</summary>
    internal ProcessResult Exec(string file, string[] args, string? stdin = null) =>
        LabCommand.Check("ip", ["netns", "exec", Name, file, .. args], stdin);

    /// <summary>
    /// How to start <paramref name="file"/> inside this namespace (<c>ip netns exec</c> execs it,
    /// so the process id is the program's own), with stdout, stderr and stdin redirected. For
    /// harnesses that manage their own <see cref="Process"/>; the lab does not track it.
    /// </summary>
    public ProcessStartInfo CreateStartInfo(string file, params string[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        return LabCommand.StartInfo("ip", ["netns", "exec", Name, file, .. args]);
    }

    /// <summary>Runs a program to its end inside this namespace (30 s limit unless given).</summary>
    public Task<ProcessResult> RunAsync(string file, params string[] args) =>
        RunAsync(file, args, TimeSpan.FromSeconds(30), CancellationToken.None);

    public Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancel) =>
        LabCommand.RunAsync(CreateStartInfo(file, [.. args]), stdin: null, timeout, cancel);

    /// <summary>
    /// Starts a long-running program inside this namespace; its output is captured line by line and
    /// the lab kills it (with its children) on dispose if it still runs.
    /// </summary>
    public NamespaceProcess Start(string file, params string[] args) => _lab.Track(NamespaceProcess.Start(CreateStartInfo(file, args)));

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has joined this namespace. Sockets it
    /// creates stay in this namespace for their whole life, whichever thread uses them later.
    /// The thread ends afterwards, so no pooled thread is ever left in another namespace.
    /// </summary>
    public T InNamespace<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        T? result = default;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                JoinThisNamespace();
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + Name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    /// <summary>
    /// A UDP socket bound inside this namespace to <paramref name="port"/> (0: any free port) on
    /// every address of the namespace. The caller disposes it.
    /// </summary>
    public Socket OpenUdpSocket(int port = 0) => InNamespace(() =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    private void JoinThisNamespace()
    {
        // setns(2) with CLONE_NEWNET changes the network namespace of the calling thread only.
        int fd = Open($"/run/netns/{Name}", OpenReadOnly | OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open /run/netns/{Name}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (SetNs(fd, CloneNewNet) != 0)
            {
                throw new IOException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public override string ToString() => Name;

    // From <sched.h> and <fcntl.h> (Linux, all architectures .NET runs on).
    private const int CloneNewNet = 0x40000000;
    private const int OpenReadOnly = 0;
    private const int OpenCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nsType);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
