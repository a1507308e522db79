namespace PicoTalk.TestSupport.Net;

/// <summary>
/// A throw-away network of Linux network namespaces (ip-netns(8)): hosts, LANs (a bridge in a
/// namespace of its own) and NAT routers (nftables), for tests of LAN discovery and NAT traversal
/// with real sockets. Nothing is created in the root namespace, and no traffic can leave: every
/// address lives only inside the lab's namespaces.
/// <para>
/// Teardown always happens: <see cref="DisposeAsync"/> kills the programs started in the lab and
/// deletes its namespaces (which removes their veths and bridges); a process exit runs the same;
/// and a process killed outright leaves namespaces whose names carry its pid, which the next lab
/// created on the machine deletes (<see cref="LabNames"/>).
/// </para>
/// <para>Needs root, <c>ip</c> (iproute2) and <c>nft</c> (nftables); see <see cref="IsSupported"/>.</para>
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    private static readonly Lazy<string?> s_unsupportedReason = new(ProbeSupport);
    private static readonly HashSet<NetworkLab> s_live = new();
    private static bool s_exitHookInstalled;

    private readonly List<LabNamespace> _namespaces = new();
    private readonly List<NamespaceProcess> _processes = new();
    private readonly HashSet<string> _names = new();
    private bool _disposed;

    /// <summary>Creates an empty lab, first deleting what labs of dead processes left behind.</summary>
    /// <exception cref="NetworkLabUnsupportedException">Not root, or no <c>ip netns</c> or <c>nft</c>.</exception>
    public NetworkLab()
    {
        if (UnsupportedReason is { } reason)
        {
            throw new NetworkLabUnsupportedException(reason);
        }

        Prefix = LabNames.NewLabPrefix();
        lock (s_live)
        {
            // Registered before sweeping, so a lab being built on another thread is never swept.
            s_live.Add(this);
            if (!s_exitHookInstalled)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteAllLive();
                s_exitHookInstalled = true;
            }
        }

        SweepLeftovers();
    }

    /// <summary>True when this machine can build labs (root, <c>ip netns</c> works, <c>nft</c> is installed).</summary>
    public static bool IsSupported => s_unsupportedReason.Value is null;

    /// <summary>Why labs cannot be built here, or null when they can.</summary>
    public static string? UnsupportedReason => s_unsupportedReason.Value;

    /// <summary>The prefix of every namespace name of this lab, e.g. <c>pt4711x2-</c>.</summary>
    public string Prefix { get; }

    /// <summary>The namespace names this lab created and has not deleted yet.</summary>
    public IReadOnlyList<string> NamespaceNames
    {
        get
        {
            lock (_namespaces)
            {
                return _namespaces.Select(n => n.Name).ToList();
            }
        }
    }

    /// <summary>A machine: a namespace with only <c>lo</c> up until <see cref="Lan.Connect"/> plugs it in.</summary>
    public Host AddHost(string name)
    {
        var host = Register(new Host(this, name, NewNamespace("h", name)));
        host.Create();
        return host;
    }

    /// <summary>An Ethernet segment with addresses from <paramref name="subnet"/> (e.g. "10.77.1.0/24").</summary>
    public Lan AddLan(string name, string subnet)
    {
        var parsed = new Subnet(subnet);
        var lan = Register(new Lan(this, name, NewNamespace("l", name), parsed));
        lan.Create();
        return lan;
    }

    /// <summary>
    /// A NAT router between <paramref name="inside"/> and <paramref name="outside"/> (the ruleset
    /// is <see cref="Router.RulesetFor"/>); hosts on the inside, already there or connected later,
    /// get their default route through it.
    /// </summary>
    public Router AddNatRouter(string name, Lan inside, Lan outside, NatKind kind)
    {
        ArgumentNullException.ThrowIfNull(inside);
        ArgumentNullException.ThrowIfNull(outside);
        if (!ReferenceEquals(inside.Lab, this) || !ReferenceEquals(outside.Lab, this))
        {
            throw new ArgumentException("both LANs must belong to this lab");
        }

        if (ReferenceEquals(inside, outside))
        {
            throw new ArgumentException("a router needs two different LANs", nameof(outside));
        }

        _ = Router.RulesetFor(kind);
        var router = Register(new Router(this, name, NewNamespace("r", name), kind));
        router.Create(inside, outside);
        return router;
    }

    /// <summary>Kills what runs in the lab and deletes all of its namespaces. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        List<NamespaceProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        DeleteNamespaces();
        lock (s_live)
        {
            s_live.Remove(this);
        }
    }

    internal NamespaceProcess Track(NamespaceProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    private string NewNamespace(string role, string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        LabNames.ValidateShortName(name);
        string full = $"{Prefix}{role}-{name}";
        if (!_names.Add(full))
        {
            throw new ArgumentException($"this lab already has a {RoleName(role)} named '{name}'", nameof(name));
        }

        LabCommand.Check("ip", ["netns", "add", full]);
        return full;
    }

    private T Register<T>(T member)
        where T : LabNamespace
    {
        lock (_namespaces)
        {
            _namespaces.Add(member);
        }

        return member;
    }

    private void DeleteNamespaces()
    {
        List<string> names;
        lock (_namespaces)
        {
            names = _namespaces.Select(n => n.Name).ToList();
            _namespaces.Clear();
        }

        // Names whose member failed half-way through creation are in _names only.
        names = names.Union(_names).ToList();
        DeleteNamespaces(names);
    }

    /// <summary>
    /// Kills whatever still runs in the namespaces (programs a killed test run left behind would
    /// otherwise live on, detached from any name), then deletes them. <c>ip -force -batch</c> goes
    /// on past a name that is already gone. Deleting a namespace destroys its interfaces, and a
    /// veth dies with its peer, so no link outlives the lab.
    /// </summary>
    private static void DeleteNamespaces(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }

        var pids = LabCommand.TryRun("ip", ["-force", "-batch", "-"], string.Concat(names.Select(n => $"netns pids {n}\n")));
        foreach (string line in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, out int pid) && pid != Environment.ProcessId)
            {
                KillQuietly(pid);
            }
        }

        LabCommand.TryRun("ip", ["-force", "-batch", "-"], string.Concat(names.Select(n => $"netns del {n}\n")));
    }

    private static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended on its own meanwhile.
        }
    }

    private static void DeleteAllLive()
    {
        List<NetworkLab> labs;
        lock (s_live)
        {
            labs = [.. s_live];
        }

        foreach (var lab in labs)
        {
            lab.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Deletes namespaces of labs whose process is dead, and those of this process that belong to
    /// no live lab (a previous process with the same pid was killed).
    /// </summary>
    private static void SweepLeftovers()
    {
        var listing = LabCommand.Check("ip", ["netns", "list"]);
        HashSet<string> livePrefixes;
        lock (s_live)
        {
            livePrefixes = s_live.Select(l => l.Prefix).ToHashSet();
        }

        var leftovers = LabNames.ParseNetnsList(listing.Stdout)
            .Where(name => LabNames.OwnerOf(name) is int pid
                && (LabNames.IsDead(pid) || (pid == Environment.ProcessId && !livePrefixes.Any(name.StartsWith))))
            .ToList();
        DeleteNamespaces(leftovers);
    }

    private static string RoleName(string role) => role switch
    {
        "h" => "host",
        "l" => "LAN",
        _ => "router",
    };

    private static string? ProbeSupport()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network labs need Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network labs need root (ip netns add, nft); run the tests as root as CI does";
        }

        var nft = LabCommand.TryRun("nft", ["--version"]);
        if (!nft.Succeeded)
        {
            return $"nftables is not installed (`nft --version`: {nft.Stderr}); apt-get install nftables";
        }

        // A namespace named by the lab scheme (lab number 0), so even a probe killed half-way is swept.
        string probe = $"pt{Environment.ProcessId}x0-probe";
        LabCommand.TryRun("ip", ["netns", "del", probe]);
        var added = LabCommand.TryRun("ip", ["netns", "add", probe]);
        if (!added.Succeeded)
        {
            return $"`ip netns add` does not work here: {added.Stderr}";
        }

        LabCommand.TryRun("ip", ["netns", "del", probe]);
        return null;
    }
}
